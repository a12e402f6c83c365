/**
 * @module The lease sweeps of the SQLite adapter: what the server's sweeper runs periodically when
 * agents stop heartbeating or runs never start. Each change is conditional on the state it read, so
 * a heartbeat (or another sweeper) that got there first wins.
 */
import { leaseExpiry, startTimeoutFailure } from '../lease-expiry.js';
import { jsonText as j } from '../run-patch.js';
import type { ExpiredRun, Store } from '../store.js';
import { requeueAttempt } from './run-retry.js';
import { insertLog, nextLogSeq, type Statements } from './statements.js';

const ACTIVE = `('starting', 'running', 'stopping')`;

type Sweeps = Pick<Store, 'requeueExpiredLeases' | 'expireRunLeases' | 'failStartTimeouts'>;

export function leaseSweeps(sql: Statements, write: <T>(fn: () => T) => Promise<T>): Sweeps {
  const { all, run } = sql;
  return {
    requeueExpiredLeases: (now) =>
      write(() =>
        all<{ queue_id: string }>(
          `UPDATE queue_items SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
         WHERE state = 'leased' AND lease_expires_at < ? RETURNING queue_id`,
          now,
        ).map((r) => r.queue_id),
      ),
    expireRunLeases: (now, newToken) =>
      write(() => {
        const expired = all<{
          id: string;
          agent_id: string | null;
          attempt: number;
          state: string;
          queue_item_id: string | null;
          queue_id: string | null;
          max_attempts: number | null;
          lease_expires_at: number;
        }>(
          `SELECT r.id, r.agent_id, r.attempt, r.state, r.queue_item_id, r.queue_id, r.lease_expires_at, q.max_attempts
           FROM runs r LEFT JOIN queues q ON q.id = r.queue_id WHERE r.state IN ${ACTIVE} AND r.lease_expires_at < ?`,
          now,
        );
        const out: ExpiredRun[] = [];
        for (const r of expired) {
          const token = newToken();
          const expiry = leaseExpiry({
            id: r.id,
            agentId: r.agent_id,
            attempt: r.attempt,
            state: r.state,
            queueItemId: r.queue_item_id,
            queueId: r.queue_id,
            maxAttempts: r.max_attempts,
            leaseExpiresAt: r.lease_expires_at,
          });
          // Conditional on the lease we read: a heartbeat that extended it meanwhile wins.
          const guard = 'lease_expires_at = ? AND state = ?';
          const changed =
            expiry.outcome === 'retried'
              ? requeueAttempt(sql, { id: r.id, queueItemId: expiry.queueItemId }, token, guard, [
                  r.lease_expires_at,
                  r.state,
                ])
              : run(
                  `UPDATE runs SET state = 'crashed', failure = ?, finished_at = ?, fencing_token = ? WHERE id = ? AND ${guard}`,
                  j(expiry.failure),
                  now,
                  token,
                  r.id,
                  r.lease_expires_at,
                  r.state,
                ).changes === 1;
          if (!changed) continue;
          insertLog(sql, r.id, nextLogSeq(sql, r.id), 'system', expiry.logLine, now);
          out.push({
            runId: r.id,
            agentId: r.agent_id,
            outcome: expiry.outcome,
            queueItemId: r.queue_item_id,
            queueId: r.queue_id,
          });
        }
        return out;
      }),
    failStartTimeouts: (startedBefore, now, message, newToken) =>
      write(() =>
        all<{ id: string }>(
          `SELECT id FROM runs WHERE state = 'starting' AND acked_at < ?`,
          startedBefore,
        )
          .filter(
            (r) =>
              run(
                `UPDATE runs SET state = 'failed', failure = ?, finished_at = ?, fencing_token = ? WHERE id = ? AND state = 'starting'`,
                j(startTimeoutFailure(message)),
                now,
                newToken(),
                r.id,
              ).changes === 1,
          )
          .map((r) => r.id),
      ),
  };
}
