/**
 * @module The lease sweeps of the SQLite adapter: what the server's sweeper runs periodically when
 * agents stop heartbeating or runs never start. Each change is conditional on the state it read, so
 * a heartbeat (or another sweeper) that got there first wins.
 */
import {
  expiredRun,
  leaseExpiry,
  NOT_HELD_BY_ENGINE,
  startTimeoutFailure,
} from '../lease-expiry.js';
import { jsonText as j } from '../run-patch.js';
import { type ExpiringRunRow, toExpiringRun } from '../rows.js';
import type { ExpiredRun, Store } from '../store.js';
import { requeueAttempt } from './run-retry.js';
import { insertLog, nextLogSeq, type Statements } from './statements.js';

/** Leased items whose lease ran out before an ack. Params: now. */
const REQUEUE_LEASES = `UPDATE queue_items
  SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
  WHERE state = 'leased' AND lease_expires_at < ? RETURNING queue_id`;
/** Active runs whose lease ran out, with their queue's retry limit. Params: now. */
const EXPIRED_RUNS = `SELECT r.id, r.agent_id, r.attempt, r.state, r.queue_item_id, r.queue_id,
    r.lease_expires_at, q.max_attempts
  FROM runs r LEFT JOIN queues q ON q.id = r.queue_id
  WHERE r.state IN ('starting', 'running', 'stopping') AND r.lease_expires_at < ?`;
/** Conditional on the lease read: a heartbeat that extended it meanwhile wins. */
const GUARD = 'lease_expires_at = ? AND state = ?';
/** Params: failure (JSON), now, new token, id, the lease and state read. */
const CRASH = `UPDATE runs SET state = 'crashed', failure = ?, finished_at = ?, fencing_token = ?
  WHERE id = ? AND ${GUARD}`;
/** Params: acked before. */
const STUCK_STARTING = `SELECT id FROM runs
  WHERE state = 'starting' AND acked_at < ? AND ${NOT_HELD_BY_ENGINE}`;
/** Params: failure (JSON), now, new token, id. */
const FAIL_STUCK = `UPDATE runs SET state = 'failed', failure = ?, finished_at = ?, fencing_token = ?
  WHERE id = ? AND state = 'starting'`;

type Sweeps = Pick<Store, 'requeueExpiredLeases' | 'expireRunLeases' | 'failStartTimeouts'>;

export function leaseSweeps(sql: Statements, write: <T>(fn: () => T) => Promise<T>): Sweeps {
  const { all, run } = sql;
  return {
    requeueExpiredLeases: (now) =>
      write(() => all<{ queue_id: string }>(REQUEUE_LEASES, now).map((row) => row.queue_id)),
    expireRunLeases: (now, newToken) =>
      write(() => {
        const out: ExpiredRun[] = [];
        for (const row of all<ExpiringRunRow>(EXPIRED_RUNS, now)) {
          const token = newToken();
          const expiring = toExpiringRun(row);
          const expiry = leaseExpiry(expiring);
          const read = [row.lease_expires_at, row.state];
          const changed =
            expiry.outcome === 'retried'
              ? requeueAttempt(
                  sql,
                  { id: row.id, queueItemId: expiry.queueItemId },
                  token,
                  GUARD,
                  read,
                )
              : run(CRASH, j(expiry.failure), now, token, row.id, ...read).changes === 1;
          if (!changed) continue;
          insertLog(sql, row.id, nextLogSeq(sql, row.id), 'system', expiry.logLine, now);
          out.push(expiredRun(expiring, expiry.outcome));
        }
        return out;
      }),
    failStartTimeouts: (startedBefore, now, message, newToken) =>
      write(() => {
        const failure = j(startTimeoutFailure(message));
        return all<{ id: string }>(STUCK_STARTING, startedBefore)
          .filter(({ id }) => run(FAIL_STUCK, failure, now, newToken(), id).changes === 1)
          .map(({ id }) => id);
      }),
  };
}
