/**
 * @module The SQLite adapter's queue items: enqueue (idempotent per key), claim (one statement picks
 * and leases the head of a queue), ack (the item claimed and its run created in one write), fail,
 * delete, and the reads of a queue.
 */
import { itemExists, itemRefused, queueNotFound, retryOfOtherRun, staleToken } from '../errors.js';
import { type BareItemRow, type BareRunRow, pendingItem } from '../rows.js';
import { jsonText } from '../run-patch.js';
import type { NewQueueItem, ItemsPort } from '../store.js';
import { ITEM_COLUMNS, itemValues } from '../values.js';
import { isUniqueViolation, marks, type SqliteContext } from './context.js';
import { insertRun } from './runs.js';

/** A repeated idempotency key inserts nothing. Params: the values of ITEM_COLUMNS. */
const INSERT_ITEM = `INSERT INTO queue_items (state, ${ITEM_COLUMNS})
  VALUES ('pending', ${marks(10)})
  ON CONFLICT (idempotency_key) DO NOTHING`;
/** Params: idempotency key. */
const ITEM_BY_KEY = `SELECT * FROM queue_items WHERE idempotency_key = ?`;
/** Params: id. */
const ITEM_BY_ID = `SELECT * FROM queue_items WHERE id = ?`;
/** Params: id. */
const DELETE_PENDING = `DELETE FROM queue_items WHERE id = ? AND state = 'pending'`;
/**
 * Leases the head of a queue: lowest priority number, then oldest (partial index queue_items_claim).
 * Params: agent id, fencing token, lease expiry, queue id.
 */
const CLAIM = `UPDATE queue_items SET state = 'leased', agent_id = ?, fencing_token = ?,
    lease_expires_at = ?
  WHERE seq = (SELECT seq FROM queue_items WHERE queue_id = ? AND state = 'pending'
               ORDER BY priority, seq LIMIT 1)
  RETURNING *`;
/** The item as its token holds it (leased, or claimed by an earlier ack). Params: id, token. */
const HELD_ITEM = `SELECT agent_id, run_id, state FROM queue_items
  WHERE id = ? AND state IN ('leased', 'claimed') AND fencing_token = ?`;
/** Params: run id, token. */
const RUN_OWNED = `SELECT 1 FROM runs WHERE id = ? AND fencing_token = ?`;
/** Params: id. */
const RUN_BY_ID = `SELECT * FROM runs WHERE id = ?`;
/**
 * A retried run's next attempt, acknowledged: its times and outcome start again.
 * Params: state, token, agent id, lease expiry, acked at, run id.
 */
const ACK_NEXT_ATTEMPT = `UPDATE runs SET state = ?, fencing_token = ?, agent_id = ?,
    lease_expires_at = ?, acked_at = ?, exit_code = NULL, failure = NULL, started_at = NULL,
    finished_at = NULL
  WHERE id = ? RETURNING *`;
/** Params: id. */
const CLAIM_ITEM_AGAIN = `UPDATE queue_items SET state = 'claimed' WHERE id = ?`;
/** Params: run id, item id. */
const CLAIM_ITEM = `UPDATE queue_items SET state = 'claimed', run_id = ? WHERE id = ?`;
/** Params: error (JSON), id, token. */
const FAIL_ITEM = `UPDATE queue_items SET state = 'failed', error = ?
  WHERE id = ? AND state = 'leased' AND fencing_token = ? RETURNING *`;
/** Pending items of the same queue that a claim takes first. Params: id. */
const PENDING_AHEAD = `SELECT count(*) AS ahead FROM queue_items other, queue_items mine
  WHERE mine.id = ? AND other.queue_id = mine.queue_id AND other.state = 'pending'
    AND (other.priority < mine.priority
         OR (other.priority = mine.priority AND other.seq < mine.seq))`;
/** Params: queue id, state (or null) twice, limit. */
const ITEMS_OF_QUEUE = `SELECT * FROM queue_items WHERE queue_id = ? AND (? IS NULL OR state = ?)
  ORDER BY seq LIMIT ?`;

export function sqliteItems(context: SqliteContext): ItemsPort {
  const { sql, write, writeCommitted, read, queueRef, itemOf, runOf } = context;
  const itemRow = (id: string) => sql.get<BareItemRow>(ITEM_BY_ID, id);
  /** Why a fenced write changed nothing: the item is gone, or the token is stale. */
  const itemRefusal = (itemId: string) => itemRefused(itemId, itemRow(itemId) !== undefined);

  /** One enqueue, inside the caller's write. */
  const enqueueOne = (item: NewQueueItem) => {
    const queue = queueRef(item.queueId);
    if (queue === undefined) throw queueNotFound(item.queueId);
    let inserted: number;
    try {
      inserted = sql.run(INSERT_ITEM, ...itemValues(item)).changes;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw itemExists(item.id);
    }
    if (inserted === 1) return { item: pendingItem(item, queue), existed: false };
    // The idempotency key was seen before: the first item answers.
    return { item: itemOf(sql.get<BareItemRow>(ITEM_BY_KEY, item.idempotencyKey)!), existed: true };
  };

  return {
    enqueue: (item) => write(() => enqueueOne(item)),
    enqueueMany: (items) => write(() => items.map(enqueueOne)),
    getQueueItem: (id) =>
      read(() => {
        const row = itemRow(id);
        return row && itemOf(row);
      }),
    deleteQueueItem: (id) =>
      write(() => {
        if (sql.run(DELETE_PENDING, id).changes === 1) return 'deleted' as const;
        return itemRow(id) === undefined ? ('not_found' as const) : ('not_pending' as const);
      }),
    claim: (params) =>
      writeCommitted(() => {
        const { agentId, fencingToken, leaseExpiresAt, queueId } = params;
        const row = sql.get<BareItemRow>(CLAIM, agentId, fencingToken, leaseExpiresAt, queueId);
        return row && itemOf(row);
      }),
    ackItem: (itemId, token, newRun) =>
      write(() => {
        type Held = { agent_id: string | null; run_id: string | null; state: string };
        const held = sql.get<Held>(HELD_ITEM, itemId, token);
        if (held === undefined) throw itemRefusal(itemId);
        if (held.state === 'claimed') {
          // The same ack again (its answer was lost with a replica or a restart): answer it again,
          // as long as this token still owns the run.
          const owned =
            held.run_id === newRun.id ? sql.get(RUN_OWNED, newRun.id, token) : undefined;
          if (owned === undefined) throw staleToken(`Queued run ${itemId}`);
          return runOf(sql.get<BareRunRow>(RUN_BY_ID, newRun.id)!);
        }
        if (held.run_id !== null) {
          // A retry: the next attempt of the same run (its attempt number rose when it was re-queued).
          if (held.run_id !== newRun.id) throw retryOfOtherRun(itemId, held.run_id);
          const retried = sql.get<BareRunRow>(
            ACK_NEXT_ATTEMPT,
            newRun.state,
            token,
            held.agent_id,
            newRun.leaseExpiresAt,
            newRun.now,
            held.run_id,
          )!;
          sql.run(CLAIM_ITEM_AGAIN, itemId);
          return runOf(retried);
        }
        const created = insertRun(context, {
          ...newRun,
          agentId: newRun.agentId ?? held.agent_id,
        });
        sql.run(CLAIM_ITEM, newRun.id, itemId);
        return created;
      }),
    failItem: (itemId, token, failure) =>
      write(() => {
        const error = jsonText({ stage: failure.stage, message: failure.message });
        const row = sql.get<BareItemRow>(FAIL_ITEM, error, itemId, token);
        if (row === undefined) throw itemRefusal(itemId);
        return itemOf(row);
      }),
    countPendingAhead: (itemId) =>
      read(() => sql.get<{ ahead: number }>(PENDING_AHEAD, itemId)?.ahead ?? 0),
    listQueueItems: (queueId, state, limit) =>
      read(() =>
        sql
          .all<BareItemRow>(ITEMS_OF_QUEUE, queueId, state ?? null, state ?? null, limit)
          .map(itemOf),
      ),
  };
}
