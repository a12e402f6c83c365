/**
 * @module A run back on its queue as its next attempt (PostgreSQL): what the lease sweeper does to a
 * run whose agent was lost, and what an agent's report of a preempted run asks for. The caller
 * decides whether it may (core/retry-policy.ts); this module only applies it, conditionally.
 */

import { runNotFound, staleToken } from '../errors.js';
import type { BareRunRow } from '../rows.js';
import type { Store } from '../store.js';
import { appendLog, type PostgresContext } from './context.js';
import type { Db, Queries } from './pg-queries.js';

/**
 * The run goes back on its queue as its next attempt — a new token, no agent, its item pending
 * again — if `guard` (a condition on its `runs` row, its parameters from `$3` on) still holds.
 * Run it inside the caller's transaction. False when the guard did not hold.
 */
export async function requeueAttempt(
  db: Db,
  { count }: Queries,
  run: { readonly id: string; readonly queueItemId: string },
  token: string,
  guard: string,
  args: readonly unknown[],
): Promise<boolean> {
  const changed = await count(
    db,
    `UPDATE runs SET state = 'pending', attempt = attempt + 1, fencing_token = $1, agent_id = NULL,
       lease_expires_at = NULL
     WHERE id = $2 AND ${guard}`,
    [token, run.id, ...args],
  );
  if (changed === 0) return false;
  await count(
    db,
    `UPDATE queue_items
     SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
     WHERE id = $1`,
    [run.queueItemId],
  );
  return true;
}

export function runRetry(context: PostgresContext): Pick<Store, 'requeueRun'> {
  const { queries, tx, runOf } = context;
  return {
    async requeueRun(id, token, retry) {
      const row = await tx(async (c) => {
        const owner = await queries.one<{ fencing_token: string; queue_item_id: string | null }>(
          c,
          `SELECT fencing_token, queue_item_id FROM runs WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (owner === undefined) throw runNotFound(id);
        if (owner.fencing_token !== token) throw staleToken(`Run ${id}`);
        if (owner.queue_item_id === null) return undefined; // A direct run has no queue to go back to.
        const run = { id, queueItemId: owner.queue_item_id };
        const guard = 'fencing_token = $3 AND state = $4';
        if (!(await requeueAttempt(c, queries, run, retry.newToken, guard, [token, retry.ifState])))
          return undefined;
        await appendLog(context, c, id, { stream: 'system', text: retry.line, ts: retry.now });
        return queries.one<BareRunRow>(c, `SELECT * FROM runs WHERE id = $1`, [id]);
      });
      return row === undefined ? undefined : runOf(row);
    },
  };
}
