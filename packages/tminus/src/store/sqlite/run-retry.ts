/**
 * @module A run back on its queue as its next attempt (SQLite): what the lease sweeper does to a run
 * whose agent was lost, and what an agent's report of a preempted run asks for. The caller decides
 * whether it may (core/retry-policy.ts); this module only applies it, conditionally.
 */
import type { Run } from '@tminus/sdk/protocol';

import { runNotFound, staleToken } from '../errors.js';
import type { BareRunRow } from '../rows.js';
import type { Store } from '../store.js';
import { insertLog, nextLogSeq, type Statements } from './statements.js';

/**
 * The run goes back on its queue as its next attempt — a new token, no agent, its item pending
 * again — if `guard` (a condition on its `runs` row, with `args`) still holds. False when it did not.
 */
export function requeueAttempt(
  sql: Statements,
  run: { readonly id: string; readonly queueItemId: string },
  token: string,
  guard: string,
  args: readonly unknown[],
): boolean {
  const changed = sql.run(
    `UPDATE runs SET state = 'pending', attempt = attempt + 1, fencing_token = ?, agent_id = NULL,
       lease_expires_at = NULL
     WHERE id = ? AND ${guard}`,
    token,
    run.id,
    ...args,
  );
  if (changed.changes === 0) return false;
  sql.run(
    `UPDATE queue_items
     SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
     WHERE id = ?`,
    run.queueItemId,
  );
  return true;
}

export function runRetry(
  sql: Statements,
  write: <T>(fn: () => T) => Promise<T>,
  runOf: (row: BareRunRow) => Run,
): Pick<Store, 'requeueRun'> {
  return {
    requeueRun: (id, token, retry) =>
      write(() => {
        const row = sql.get<{ fencing_token: string; queue_item_id: string | null }>(
          `SELECT fencing_token, queue_item_id FROM runs WHERE id = ?`,
          id,
        );
        if (row === undefined) throw runNotFound(id);
        if (row.fencing_token !== token) throw staleToken(`Run ${id}`);
        if (row.queue_item_id === null) return undefined; // A direct run has no queue to go back to.
        const queueItemId = row.queue_item_id;
        const guard = 'fencing_token = ? AND state = ?';
        if (
          !requeueAttempt(sql, { id, queueItemId }, retry.newToken, guard, [token, retry.ifState])
        )
          return undefined;
        insertLog(sql, id, nextLogSeq(sql, id), 'system', retry.line, retry.now);
        return runOf(sql.get<BareRunRow>(`SELECT * FROM runs WHERE id = ?`, id)!);
      }),
  };
}
