/**
 * @module Why the engine holds a starting run back, as its agent reports it (SQLite). Stored with the
 * attempt it was reported for, so that a retried run does not show its previous attempt's reason.
 */
import type { Run } from '@tminus/sdk/protocol';

import { runNotFound, staleToken } from '../errors.js';
import type { BareRunRow } from '../rows.js';
import type { Store } from '../store.js';
import type { Statements } from './statements.js';

export function runWaiting(
  sql: Statements,
  write: <T>(fn: () => T) => Promise<T>,
  runOf: (row: BareRunRow) => Run,
): Pick<Store, 'setRunWaiting'> {
  return {
    setRunWaiting: (id, token, waiting) =>
      write(() => {
        const row = sql.get<BareRunRow>(
          `UPDATE runs SET waiting = ?, waiting_attempt = attempt
           WHERE id = ? AND fencing_token = ? AND state = 'starting' RETURNING *`,
          JSON.stringify(waiting),
          id,
          token,
        );
        if (row !== undefined) return runOf(row);
        const owner = sql.get<{ fencing_token: string }>(
          `SELECT fencing_token FROM runs WHERE id = ?`,
          id,
        );
        if (owner === undefined) throw runNotFound(id);
        if (owner.fencing_token !== token) throw staleToken(`Run ${id}`);
        return undefined; // No longer starting.
      }),
  };
}
