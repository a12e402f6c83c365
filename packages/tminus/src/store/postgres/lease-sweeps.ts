/**
 * @module The lease sweeps of the PostgreSQL adapter: what the server's sweeper runs periodically when
 * agents stop heartbeating or runs never start. Each change is conditional on the state it read, so
 * a heartbeat (or another replica's sweeper) that got there first wins.
 */
import {
  expiredRun,
  leaseExpiry,
  NOT_HELD_BY_ENGINE,
  startTimeoutFailure,
} from '../lease-expiry.js';
import { jsonText } from '../run-patch.js';
import { type ExpiringRunRow, toExpiringRun } from '../rows.js';
import type { ExpiredRun, Store } from '../store.js';
import { appendLog, type PostgresContext } from './context.js';
import { requeueAttempt } from './run-retry.js';

/** Leased items whose lease ran out before an ack. Params: now. */
const REQUEUE_LEASES = `UPDATE queue_items
  SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
  WHERE state = 'leased' AND lease_expires_at < $1 RETURNING queue_id`;
/** Active runs whose lease ran out, with their queue's retry limit. Params: now. */
const EXPIRED_RUNS = `SELECT r.id, r.agent_id, r.attempt, r.state, r.queue_item_id, r.queue_id,
    r.lease_expires_at, q.max_attempts
  FROM runs r LEFT JOIN queues q ON q.id = r.queue_id
  WHERE r.state IN ('starting', 'running', 'stopping') AND r.lease_expires_at < $1`;
/** Conditional on the lease read ($3, $4 for requeueAttempt; $5, $6 here). */
const GUARD = 'lease_expires_at = $3 AND state = $4';
/** Params: failure (JSON), now, new token, id, the lease and state read. */
const CRASH = `UPDATE runs SET state = 'crashed', failure = $1, finished_at = $2, fencing_token = $3
  WHERE id = $4 AND lease_expires_at = $5 AND state = $6`;
/** Params: acked before. */
const STUCK_STARTING = `SELECT id FROM runs
  WHERE state = 'starting' AND acked_at < $1 AND ${NOT_HELD_BY_ENGINE}`;
/** Params: failure (JSON), now, new token, id. */
const FAIL_STUCK = `UPDATE runs
  SET state = 'failed', failure = $1, finished_at = $2, fencing_token = $3
  WHERE id = $4 AND state = 'starting'`;

type Sweeps = Pick<Store, 'requeueExpiredLeases' | 'expireRunLeases' | 'failStartTimeouts'>;

export function leaseSweeps(context: PostgresContext): Sweeps {
  const { pool, queries, tx } = context;
  const { rows, count } = queries;
  return {
    requeueExpiredLeases: async (now) =>
      (await rows<{ queue_id: string }>(pool, REQUEUE_LEASES, [now])).map((row) => row.queue_id),
    async expireRunLeases(now, newToken) {
      const out: ExpiredRun[] = [];
      for (const row of await rows<ExpiringRunRow>(pool, EXPIRED_RUNS, [now])) {
        await tx(async (client) => {
          const expiring = toExpiringRun(row);
          const expiry = leaseExpiry(expiring);
          const read = [row.lease_expires_at, row.state];
          const changed =
            expiry.outcome === 'retried'
              ? await requeueAttempt(
                  client,
                  queries,
                  { id: row.id, queueItemId: expiry.queueItemId },
                  newToken(),
                  GUARD,
                  read,
                )
              : (await count(client, CRASH, [
                  jsonText(expiry.failure),
                  now,
                  newToken(),
                  row.id,
                  ...read,
                ])) === 1;
          if (!changed) return; // Another replica's sweeper, or a heartbeat, got there first.
          await appendLog(context, client, row.id, {
            stream: 'system',
            text: expiry.logLine,
            ts: now,
          });
          out.push(expiredRun(expiring, expiry.outcome));
        });
      }
      return out;
    },
    async failStartTimeouts(startedBefore, now, message, newToken) {
      const failure = jsonText(startTimeoutFailure(message));
      const failed: string[] = [];
      for (const { id } of await rows<{ id: string }>(pool, STUCK_STARTING, [startedBefore])) {
        if ((await count(pool, FAIL_STUCK, [failure, now, newToken(), id])) === 1) failed.push(id);
      }
      return failed;
    },
  };
}
