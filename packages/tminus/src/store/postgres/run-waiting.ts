/**
 * @module Why the engine holds a starting run back, as its agent reports it (PostgreSQL). Stored with
 * the attempt it was reported for, so that a retried run does not show its previous attempt's reason.
 */
import type { Run } from '@tminus/sdk/protocol';
import type pg from 'pg';

import { runNotFound, staleToken } from '../errors.js';
import type { BareRunRow } from '../rows.js';
import type { Store } from '../store.js';
import type { Queries } from './pg-queries.js';

export function runWaiting(
  pool: pg.Pool,
  { one }: Queries,
  runOf: (row: BareRunRow) => Promise<Run>,
): Pick<Store, 'setRunWaiting'> {
  return {
    async setRunWaiting(id, token, waiting) {
      const row = await one<BareRunRow>(
        pool,
        `UPDATE runs SET waiting = $1, waiting_attempt = attempt
         WHERE id = $2 AND fencing_token = $3 AND state = 'starting' RETURNING *`,
        [JSON.stringify(waiting), id, token],
      );
      if (row !== undefined) return runOf(row);
      const owner = await one<{ fencing_token: string }>(
        pool,
        `SELECT fencing_token FROM runs WHERE id = $1`,
        [id],
      );
      if (owner === undefined) throw runNotFound(id);
      if (owner.fencing_token !== token) throw staleToken(`Run ${id}`);
      return undefined; // No longer starting.
    },
  };
}
