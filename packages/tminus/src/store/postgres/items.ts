/**
 * @module The PostgreSQL adapter's queue items: enqueue (all items in one statement, idempotent per
 * key), claim and first ack (batched, hot-writes.ts), the rest of an ack (a retry's next attempt, a
 * repeated ack, refusals), fail, delete, and the reads of a queue.
 */
import {
  itemExists,
  itemRefused,
  queueNotFound,
  retryOfOtherRun,
  runExists,
  staleToken,
} from '../errors.js';
import { type ItemRow, type RunRow, pendingItem, toItem, toRun } from '../rows.js';
import { jsonText } from '../run-patch.js';
import type { NewQueueItem, ItemsPort } from '../store.js';
import { columnsOf, ITEM_COLUMNS, itemValues } from '../values.js';
import { type PostgresContext } from './context.js';
import { type Db, isUniqueViolation } from './pg-queries.js';
import { insertRun } from './runs.js';

/** An item with its queue's name and entity. */
const ITEM_SELECT = `SELECT i.*, q.name AS queue_name, q.entity AS queue_entity
  FROM queue_items i JOIN queues q ON q.id = i.queue_id`;

/**
 * All items in one statement (atomic without a transaction): rows in input order (so `seq` keeps
 * FIFO); a repeated idempotency key inserts nothing. Params: one array per ITEM_COLUMNS column.
 * Returns the ids inserted.
 */
const ENQUEUE = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
      WITH ORDINALITY AS t(${ITEM_COLUMNS}, ord)),
  inserted AS (
    INSERT INTO queue_items (state, ${ITEM_COLUMNS})
    SELECT 'pending', ${ITEM_COLUMNS} FROM input ORDER BY ord
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING id)
  SELECT id FROM inserted`;
/** Params: idempotency keys. */
const ITEMS_BY_KEYS = `${ITEM_SELECT} WHERE i.idempotency_key = ANY($1::text[])`;
/** Params: ids. */
const STORED_IDS = `SELECT id FROM queue_items WHERE id = ANY($1::text[])`;
/** Params: id. */
const ITEM_BY_ID = `${ITEM_SELECT} WHERE i.id = $1`;
/** Params: id. */
const ITEM_EXISTS = `SELECT 1 FROM queue_items WHERE id = $1`;
/** Params: id. */
const DELETE_PENDING = `DELETE FROM queue_items WHERE id = $1 AND state = 'pending'`;
/** The item as its token holds it (leased, or claimed by an earlier ack). Params: id, token. */
const HELD_ITEM = `SELECT agent_id, run_id, state FROM queue_items
  WHERE id = $1 AND state IN ('leased', 'claimed') AND fencing_token = $2 FOR UPDATE`;
/** Params: run id, token. */
const RUN_OWNED = `SELECT 1 FROM runs WHERE id = $1 AND fencing_token = $2`;
/** A run with its queue's name. Params: id. */
const RUN_BY_ID = `SELECT r.*, q.name AS queue_name
  FROM runs r LEFT JOIN queues q ON q.id = r.queue_id WHERE r.id = $1`;
/**
 * A retried run's next attempt, acknowledged: its times and outcome start again.
 * Params: state, token, agent id, lease expiry, acked at, run id.
 */
const ACK_NEXT_ATTEMPT = `UPDATE runs SET state = $1, fencing_token = $2, agent_id = $3,
    lease_expires_at = $4, acked_at = $5, exit_code = NULL, failure = NULL, started_at = NULL,
    finished_at = NULL
  WHERE id = $6`;
/** Params: id. */
const CLAIM_ITEM_AGAIN = `UPDATE queue_items SET state = 'claimed' WHERE id = $1`;
/** Params: run id, item id. */
const CLAIM_ITEM = `UPDATE queue_items SET state = 'claimed', run_id = $1 WHERE id = $2`;
/** Params: error (JSON), id, token. */
const FAIL_ITEM = `UPDATE queue_items SET state = 'failed', error = $1
  WHERE id = $2 AND state = 'leased' AND fencing_token = $3`;
/** Pending items of the same queue that a claim takes first. Params: id. */
const PENDING_AHEAD = `SELECT count(*)::int AS ahead FROM queue_items other, queue_items mine
  WHERE mine.id = $1 AND other.queue_id = mine.queue_id AND other.state = 'pending'
    AND (other.priority < mine.priority
         OR (other.priority = mine.priority AND other.seq < mine.seq))`;
/** Params: queue id, state (or null), limit. */
const ITEMS_OF_QUEUE = `${ITEM_SELECT} WHERE i.queue_id = $1 AND ($2::text IS NULL OR i.state = $2)
  ORDER BY i.seq LIMIT $3`;

export function postgresItems(context: PostgresContext): ItemsPort {
  const { pool, hot, queries, tx, queueRef, itemOf, runOf } = context;
  const { one, rows, count, exec } = queries;
  /** Why a fenced write changed nothing: the item is gone, or the token is stale. */
  const itemRefusal = async (db: Db, itemId: string) =>
    itemRefused(itemId, (await one(db, ITEM_EXISTS, [itemId])) !== undefined);
  /** The first id (in input order) stored already or repeated in the input: the one SQLite refuses. */
  const firstTakenId = async (ids: readonly string[]) => {
    const seen = new Set(
      (await rows<{ id: string }>(pool, STORED_IDS, [[...ids]])).map((row) => row.id),
    );
    for (const id of ids) {
      if (seen.has(id)) return id;
      seen.add(id);
    }
    return ids[0] ?? '';
  };

  const enqueueMany = async (items: readonly NewQueueItem[]) => {
    if (items.length === 0) return [];
    // Checked first, so an unknown queue stores nothing.
    const queues = new Map<string, { name: string; entity: string }>();
    for (const queueId of new Set(items.map((item) => item.queueId))) {
      const queue = await queueRef(queueId);
      if (queue === undefined) throw queueNotFound(queueId);
      queues.set(queueId, queue);
    }
    const columns = columnsOf(items.map(itemValues), 10);
    const inserted = await rows<{ id: string }>(pool, ENQUEUE, columns).catch(
      async (error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
        throw itemExists(await firstTakenId(items.map((item) => item.id)));
      },
    );
    const fresh = new Set(inserted.map((row) => row.id));
    const repeatedKeys = items
      .filter((item) => !fresh.has(item.id))
      .map((item) => item.idempotencyKey);
    const earlier =
      repeatedKeys.length === 0
        ? []
        : await rows<ItemRow & { idempotency_key: string }>(pool, ITEMS_BY_KEYS, [repeatedKeys]);
    const byKey = new Map(earlier.map((row) => [row.idempotency_key, row]));
    return items.map((item) =>
      fresh.has(item.id)
        ? { item: pendingItem(item, queues.get(item.queueId)!), existed: false }
        : { item: toItem(byKey.get(item.idempotencyKey ?? '')!), existed: true },
    );
  };

  return {
    enqueue: async (item) => (await enqueueMany([item]))[0]!,
    enqueueMany,
    async getQueueItem(id) {
      const row = await one<ItemRow>(pool, ITEM_BY_ID, [id]);
      return row && toItem(row);
    },
    async deleteQueueItem(id) {
      if ((await count(pool, DELETE_PENDING, [id])) === 1) return 'deleted';
      return (await one(pool, ITEM_EXISTS, [id])) === undefined ? 'not_found' : 'not_pending';
    },
    async claim(params) {
      const row = await hot.claim(params);
      return row && itemOf(row);
    },
    async ackItem(itemId, token, newRun) {
      // The common case — a first ack of a fresh item — in one batched statement; the rest (a
      // retry's next attempt, a repeated ack, refusals) below.
      try {
        const created = await hot.firstAck({ itemId, token, run: newRun });
        if (created !== undefined) return runOf(created);
      } catch (error) {
        if (isUniqueViolation(error)) throw runExists(newRun.id);
        throw error;
      }
      return tx(async (client) => {
        type Held = { agent_id: string | null; run_id: string | null; state: string };
        const held = await one<Held>(client, HELD_ITEM, [itemId, token]);
        if (held === undefined) throw await itemRefusal(client, itemId);
        if (held.state === 'claimed') {
          // The same ack again (its answer was lost with a replica): answer it again while this
          // token owns the run.
          const owned =
            held.run_id === newRun.id
              ? await one(client, RUN_OWNED, [newRun.id, token])
              : undefined;
          if (owned === undefined) throw staleToken(`Queued run ${itemId}`);
          return toRun((await one<RunRow>(client, RUN_BY_ID, [newRun.id]))!);
        }
        if (held.run_id !== null) {
          // A retry: the next attempt of the same run (its attempt number rose when it was re-queued).
          if (held.run_id !== newRun.id) throw retryOfOtherRun(itemId, held.run_id);
          await exec(client, ACK_NEXT_ATTEMPT, [
            newRun.state,
            token,
            held.agent_id,
            newRun.leaseExpiresAt,
            newRun.now,
            held.run_id,
          ]);
          await exec(client, CLAIM_ITEM_AGAIN, [itemId]);
          return toRun((await one<RunRow>(client, RUN_BY_ID, [held.run_id]))!);
        }
        const agentId = newRun.agentId ?? held.agent_id;
        const created = await insertRun(context, client, { ...newRun, agentId });
        await exec(client, CLAIM_ITEM, [newRun.id, itemId]);
        return created;
      });
    },
    async failItem(itemId, token, failure) {
      const error = jsonText({ stage: failure.stage, message: failure.message });
      if ((await count(pool, FAIL_ITEM, [error, itemId, token])) === 0)
        throw await itemRefusal(pool, itemId);
      return toItem((await one<ItemRow>(pool, ITEM_BY_ID, [itemId]))!);
    },
    countPendingAhead: async (itemId) =>
      (await one<{ ahead: number }>(pool, PENDING_AHEAD, [itemId]))?.ahead ?? 0,
    listQueueItems: async (queueId, state, limit) =>
      (await rows<ItemRow>(pool, ITEMS_OF_QUEUE, [queueId, state ?? null, limit])).map(toItem),
  };
}
