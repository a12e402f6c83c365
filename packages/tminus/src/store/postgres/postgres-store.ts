/**
 * @module The PostgreSQL adapter of the `Store` port (`pg`). Same schema and row mapping as SQLite;
 * the hot paths use PostgreSQL's tools: claims with `FOR UPDATE SKIP LOCKED` (concurrent claimers never
 * wait on each other's rows), migrations under an advisory lock (replicas may start together).
 */
import { LaunchError } from '@tminus/sdk';
import type { JobSummary, LogLine, Queue } from '@tminus/sdk/protocol';
import pg from 'pg';

import {
  type AgentRow,
  type BareItemRow,
  type BareRunRow,
  type ItemRow,
  type JobRow,
  type QueueRow,
  type RunRow,
  pendingItem,
  toAgent,
  toItem,
  toJobVersion,
  toQueue,
  toRun,
} from '../rows.js';
import type { ChangeFeed, ExpiredRun, NewQueueItem, NewRun, Store } from '../store.js';
import { createPgBlobStore } from './pg-blob-store.js';
import {
  agentExists,
  agentNotFound,
  itemExists,
  itemRefused,
  queueExists,
  queueNotFound,
  retryOfOtherRun,
  runExists,
  runRefused,
  staleToken,
} from '../errors.js';
import { leaseExpiry, startTimeoutFailure } from '../lease-expiry.js';
import { jsonText, patchSet, patchValues } from '../run-patch.js';
import { runCursor, runPage } from '../run-pages.js';
import { fitLines } from '../log-budget.js';
import { receivedCount, unseenLines } from '../log-resume.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { Batcher } from '../../lib/batcher.js';
import { BoundedMap } from '../../lib/bounded-map.js';
import { createHotWrites, HOT_CONNECTION_SETTINGS } from './hot-writes.js';
import { createQueries, type Db, isUniqueViolation } from './pg-queries.js';
import { postgresMetrics } from './metrics.js';
import { requeueAttempt, runRetry } from './run-retry.js';
import { runWaiting } from './run-waiting.js';
import { postgresTenancy } from './tenancy.js';

const ITEM_SELECT = `SELECT i.*, q.name AS queue_name, q.entity AS queue_entity FROM queue_items i JOIN queues q ON q.id = i.queue_id`;
const RUN_SELECT = `SELECT r.*, q.name AS queue_name FROM runs r LEFT JOIN queues q ON q.id = r.queue_id`;
/** `RunPatch` as one SET clause (run-patch.ts), its values `$1`–`$8`. */
const PATCH_SET = patchSet((_, index) => `$${index + 1}`);
const MIGRATION_LOCK = 7_447_001;
const CHANNEL = 'tminus_changes';

function bigintAsNumber(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  return oid === 20 ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown);
}

export async function openPostgresStore(options: {
  connectionString: string;
  schema?: string;
  max?: number;
}): Promise<Store> {
  const newPool = (settings: string[], max: number) => {
    const all = [...(options.schema ? [`-c search_path=${options.schema}`] : []), ...settings];
    return new pg.Pool({
      connectionString: options.connectionString,
      max,
      ...(all.length > 0 ? { options: all.join(' ') } : {}),
      // Timestamps and sequence numbers are BIGINT; they fit in a JS number.
      types: { getTypeParser: bigintAsNumber as typeof pg.types.getTypeParser },
    });
  };
  const pool = newPool([], options.max ?? 10);
  // Writes whose loss in a crash is harmless commit without waiting for the WAL flush: claims (a lost
  // lease leaves the item pending, and the agent's durable, fenced ack is refused), signs of life, and
  // notifications. Everything else commits synchronously on `pool`.
  // Generic plans for the batched hot writes (see HOT_CONNECTION_SETTINGS); other statements
  // (optional filters) keep per-value plans on `pool`.
  const generic = HOT_CONNECTION_SETTINGS.join(' ');
  const lazy = newPool(['-c synchronous_commit=off', generic], 4);
  const hotPool = newPool([generic], 4);
  const pools = [pool, lazy, hotPool];
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await Promise.all(pools.map((p) => p.end()));
    throw new LaunchError(
      'UNAVAILABLE',
      `Could not connect to PostgreSQL: ${(error as Error).message}`,
      {
        hint: 'Check the --database / TMINUS_DATABASE_URL connection string and that the server is running.',
      },
    );
  }
  const queries = createQueries();
  const { rows, one, count, exec } = queries;
  const j = jsonText;
  const tx = async <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK');
      throw error;
    } finally {
      c.release();
    }
  };
  /** Why a fenced write changed nothing: the object is gone, or the token is stale. */
  const itemRefusal = async (db: Db, itemId: string) =>
    itemRefused(
      itemId,
      (await one(db, `SELECT 1 FROM queue_items WHERE id = $1`, [itemId])) !== undefined,
    );
  const runRefusal = async (db: Db, runId: string) =>
    runRefused(runId, (await one(db, `SELECT 1 FROM runs WHERE id = $1`, [runId])) !== undefined);
  const itemById = (db: Db, id: string) => one<ItemRow>(db, `${ITEM_SELECT} WHERE i.id = $1`, [id]);
  const runById = (db: Db, id: string) => one<RunRow>(db, `${RUN_SELECT} WHERE r.id = $1`, [id]);
  const jobVersion = async (db: Db, r: JobRow | undefined) => {
    if (r === undefined) return undefined;
    const aliases = await rows<{ alias: string }>(
      db,
      `SELECT alias FROM job_aliases WHERE entity=$1 AND project=$2 AND name=$3 AND version=$4 ORDER BY alias`,
      [r.entity, r.project, r.name, r.version],
    );
    return toJobVersion(
      r,
      aliases.map((a) => a.alias),
    );
  };
  const RUN_INSERT = `INSERT INTO runs (id, entity, project, name, state, queue_item_id, queue_id, job, spec, config, summary, agent_id, fencing_token, lease_expires_at, created_at, acked_at, created_by)`;
  const insertRun = async (db: Db, r: NewRun) => {
    try {
      const [row] = await rows<BareRunRow>(
        db,
        `${RUN_INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '{}', $11, $12, $13, $14, $14, $15) RETURNING *`,
        [
          r.id,
          r.entity,
          r.project,
          r.name,
          r.state,
          r.queueItemId,
          r.queueId,
          r.job,
          j(r.spec),
          j(r.config),
          r.agentId,
          r.fencingToken,
          r.leaseExpiresAt,
          r.now,
          r.createdBy,
        ],
      );
      return await runOf(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw runExists(r.id);
      throw error;
    }
  };
  const appendLog = async (db: Db, runId: string, stream: string, text: string, now: number) => {
    await exec(
      db,
      `INSERT INTO run_logs (run_id, seq, stream, text, ts) SELECT $1, coalesce(max(seq), -1) + 1, $2, $3, $4 FROM run_logs WHERE run_id = $1`,
      [runId, stream, text, now],
    );
  };

  const insertQueue = async (db: Db, q: Queue & { readonly createdAtMs: number }) => {
    const inserted = await count(
      db,
      `INSERT INTO queues (id, entity, name, resource, config, template_variables, prioritization, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [
        q.id,
        q.entity,
        q.name,
        q.resource,
        j(q.config),
        j(q.templateVariables),
        q.prioritization ? 1 : 0,
        q.maxAttempts,
        q.createdAtMs,
      ],
    );
    if (inserted === 0) throw queueExists(q.entity, q.name);
    return toQueue((await one<QueueRow>(db, `SELECT * FROM queues WHERE id = $1`, [q.id]))!);
  };

  const hot = createHotWrites(hotPool, lazy, queries);
  // Queues are never renamed or deleted (the port has no such method): their names can be cached.
  const queueNames = new BoundedMap<string, { name: string; entity: string }>(10_000);
  const queueRef = async (id: string) => {
    let ref = queueNames.get(id);
    if (ref === undefined) {
      ref = await one<{ name: string; entity: string }>(
        pool,
        `SELECT name, entity FROM queues WHERE id = $1`,
        [id],
      );
      if (ref !== undefined) queueNames.set(id, ref);
    }
    return ref;
  };

  const itemOf = async (r: BareItemRow) => {
    const q = await queueRef(r.queue_id);
    return toItem({ ...r, queue_name: q?.name ?? '', queue_entity: q?.entity ?? '' });
  };
  const runOf = async (r: BareRunRow) =>
    toRun({
      ...r,
      queue_name: r.queue_id === null ? null : ((await queueRef(r.queue_id))?.name ?? null),
    });

  /**
   * All items in one statement (atomic without a transaction): rows in input order (so `seq` keeps
   * FIFO), an idempotency key seen before inserts nothing and returns the first item instead.
   */
  const enqueueMany = async (items: readonly NewQueueItem[]) => {
    if (items.length === 0) return [];
    // Checked first, so an unknown queue stores nothing.
    for (const queueId of new Set(items.map((i) => i.queueId))) {
      if ((await queueRef(queueId)) === undefined) throw queueNotFound(queueId);
    }
    const column = (f: (i: NewQueueItem) => unknown) => items.map(f);
    const inserted = await rows<{ id: string }>(
      pool,
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
           WITH ORDINALITY AS t(id, queue_id, priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at, created_by, ord)),
       ins AS (
         INSERT INTO queue_items (id, queue_id, state, priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at, created_by)
         SELECT id, queue_id, 'pending', priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at, created_by FROM input ORDER BY ord
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING *)
       SELECT ins.id FROM ins`,
      [
        column((i) => i.id),
        column((i) => i.queueId),
        column((i) => i.priority),
        column((i) => j(i.spec)),
        column((i) => j(i.templateVariables)),
        column((i) => i.projectQueue),
        column((i) => i.idempotencyKey),
        column((i) => j(i.warnings)),
        column((i) => i.now),
        column((i) => i.createdBy),
      ],
    ).catch(async (error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      throw itemExists(await firstTakenId(items.map((i) => i.id)));
    });
    const fresh = new Set(inserted.map((r) => r.id));
    const repeatedKeys = items.filter((i) => !fresh.has(i.id)).map((i) => i.idempotencyKey);
    const earlier =
      repeatedKeys.length === 0
        ? []
        : await rows<ItemRow & { idempotency_key: string }>(
            pool,
            `${ITEM_SELECT} WHERE i.idempotency_key = ANY($1::text[])`,
            [repeatedKeys],
          );
    const byKey = new Map(earlier.map((r) => [r.idempotency_key, r]));
    return items.map((i) =>
      fresh.has(i.id)
        ? { item: pendingItem(i, queueNames.get(i.queueId)!), existed: false }
        : { item: toItem(byKey.get(i.idempotencyKey ?? '')!), existed: true },
    );
  };

  /** The first id (in input order) stored already or repeated in the input: the one SQLite refuses. */
  const firstTakenId = async (ids: readonly string[]) => {
    const stored = await rows<{ id: string }>(
      pool,
      `SELECT id FROM queue_items WHERE id = ANY($1::text[])`,
      [[...ids]],
    );
    const seen = new Set(stored.map((r) => r.id));
    for (const id of ids) {
      if (seen.has(id)) return id;
      seen.add(id);
    }
    return ids[0] ?? '';
  };

  // Topics published in one turn of the event loop go out in one statement (one commit), and while
  // one such statement is in flight the next turns' topics wait and go out together after it.
  const outgoing = new Set<string>();
  const notifier = new Batcher<readonly string[], void>(async (batches) => {
    await exec(lazy, 'SELECT pg_notify($1, t) FROM unnest($2::text[]) AS t', [
      CHANNEL,
      batches.flat(),
    ]).catch(() => undefined);
    return batches.map(() => undefined);
  }, 1);
  const changes: ChangeFeed = {
    backstopMs: 2_000,
    publish(topic) {
      if (outgoing.size === 0) {
        setImmediate(() => {
          const topics = [...outgoing];
          outgoing.clear();
          void notifier.call(topics);
        });
      }
      outgoing.add(topic);
    },
    async subscribe(onTopic) {
      const client = new pg.Client({ connectionString: options.connectionString });
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === CHANNEL && message.payload) onTopic(message.payload);
      });
      client.on('error', () => undefined); // The backstop keeps waits correct until a restart.
      await client.query(`LISTEN ${CHANNEL}`);
      return () => client.end();
    },
  };

  return {
    changes,
    blobs: createPgBlobStore(pool),
    async migrate() {
      await tx(async (c) => {
        // Two replicas starting together: the second waits here, then finds the migrations applied.
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query(
          `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
        );
        const applied = new Set(
          (await rows<{ version: number }>(c, `SELECT version FROM schema_migrations`)).map(
            (r) => r.version,
          ),
        );
        for (const m of POSTGRES_MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await c.query(m.sql);
          await c.query(
            `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
            [m.version, m.name, Date.now()],
          );
        }
      });
    },
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },

    ...postgresTenancy({ pool, queries, tx, insertQueue }),
    ...postgresMetrics({ pool, queries, tx }),
    ...runWaiting(pool, queries, runOf),
    ...runRetry({ queries, tx, appendLog, runOf }),

    createQueue: (q) => insertQueue(pool, q),
    async getQueue(entity, name) {
      const r = await one<QueueRow>(pool, `SELECT * FROM queues WHERE entity = $1 AND name = $2`, [
        entity,
        name,
      ]);
      return r && toQueue(r);
    },
    async getQueueById(id) {
      const r = await one<QueueRow>(pool, `SELECT * FROM queues WHERE id = $1`, [id]);
      return r && toQueue(r);
    },
    async listQueues(entity) {
      return (
        await rows<QueueRow>(pool, `SELECT * FROM queues WHERE entity = $1 ORDER BY name`, [entity])
      ).map(toQueue);
    },

    async findJobVersionByDigest(e, p, n, digest) {
      return jobVersion(
        pool,
        await one<JobRow>(
          pool,
          `SELECT * FROM job_versions WHERE entity=$1 AND project=$2 AND name=$3 AND digest=$4 ORDER BY version DESC LIMIT 1`,
          [e, p, n, digest],
        ),
      );
    },
    async getJobVersion(e, p, n, alias) {
      // One round trip (every enqueue resolves its job): `vN` or an alias, and the version's aliases.
      const m = /^v(\d+)$/.exec(alias);
      const r = await one<JobRow & { aliases: string[] }>(
        pool,
        `SELECT v.*, coalesce((SELECT array_agg(a.alias ORDER BY a.alias) FROM job_aliases a
             WHERE a.entity = v.entity AND a.project = v.project AND a.name = v.name AND a.version = v.version), '{}') AS aliases
         FROM job_versions v WHERE v.entity = $1 AND v.project = $2 AND v.name = $3
           AND v.version = coalesce($4::bigint, (SELECT version FROM job_aliases WHERE entity = $1 AND project = $2 AND name = $3 AND alias = $5))`,
        [e, p, n, m ? Number(m[1]) : null, alias],
      );
      return r && toJobVersion(r, r.aliases);
    },
    async createJobVersion(v) {
      return tx(async (c) => {
        // Serialise version numbering per job.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `${v.entity}/${v.project}/${v.name}`,
        ]);
        const last = (await one<{ v: number | null }>(
          c,
          `SELECT max(version) AS v FROM job_versions WHERE entity=$1 AND project=$2 AND name=$3`,
          [v.entity, v.project, v.name],
        ))!.v;
        const version = last === null ? 0 : last + 1;
        await c.query(
          `INSERT INTO job_versions (entity, project, name, version, source, digest, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [v.entity, v.project, v.name, version, j(v.source), v.digest, v.description, v.now],
        );
        for (const alias of new Set(['latest', ...v.aliases])) {
          await c.query(
            `INSERT INTO job_aliases (entity, project, name, alias, version) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (entity, project, name, alias) DO UPDATE SET version = excluded.version`,
            [v.entity, v.project, v.name, alias, version],
          );
        }
        const job = (await jobVersion(
          c,
          await one<JobRow>(
            c,
            `SELECT * FROM job_versions WHERE entity=$1 AND project=$2 AND name=$3 AND version=$4`,
            [v.entity, v.project, v.name, version],
          ),
        ))!;
        return { job, jobCreated: version === 0 };
      });
    },
    async listJobs(entity, project) {
      const list = await rows<JobRow & { versions: number }>(
        pool,
        `SELECT v.*, c.versions FROM job_versions v JOIN (SELECT entity, project, name, max(version) AS top, count(*)::int AS versions FROM job_versions
           WHERE entity = $1 AND ($2::text IS NULL OR project = $2) GROUP BY entity, project, name) c
         ON c.entity = v.entity AND c.project = v.project AND c.name = v.name AND c.top = v.version ORDER BY v.project, v.name`,
        [entity, project ?? null],
      );
      return Promise.all(
        list.map(async (r): Promise<JobSummary> => {
          const aliases = await rows<{ alias: string; version: number }>(
            pool,
            `SELECT alias, version FROM job_aliases WHERE entity=$1 AND project=$2 AND name=$3`,
            [r.entity, r.project, r.name],
          );
          return {
            entity: r.entity,
            project: r.project,
            name: r.name,
            versions: r.versions,
            latest: (await jobVersion(pool, r))!,
            aliases: Object.fromEntries(aliases.map((a) => [a.alias, `v${a.version}`])),
          };
        }),
      );
    },

    async enqueue(i) {
      return (await enqueueMany([i]))[0]!;
    },
    enqueueMany,
    async getQueueItem(id) {
      const r = await itemById(pool, id);
      return r && toItem(r);
    },
    async deleteQueueItem(id) {
      if (
        (await count(pool, `DELETE FROM queue_items WHERE id = $1 AND state = 'pending'`, [id])) ===
        1
      )
        return 'deleted';
      return (await one(pool, `SELECT 1 FROM queue_items WHERE id = $1`, [id])) === undefined
        ? 'not_found'
        : 'not_pending';
    },
    async claim(c) {
      const r = await hot.claim(c);
      return r && itemOf(r);
    },
    async ackItem(itemId, token, newRun) {
      // The common case — a first ack of a fresh item — in one statement; the rest (a retry's next
      // attempt, a repeated ack, refusals) below.
      try {
        const created = await hot.firstAck({ itemId, token, run: newRun });
        if (created !== undefined) return runOf(created);
      } catch (error) {
        if (isUniqueViolation(error)) throw runExists(newRun.id);
        throw error;
      }
      return tx(async (c) => {
        const item = await one<{ agent_id: string | null; run_id: string | null; state: string }>(
          c,
          `SELECT agent_id, run_id, state FROM queue_items WHERE id = $1 AND state IN ('leased', 'claimed') AND fencing_token = $2 FOR UPDATE`,
          [itemId, token],
        );
        if (item === undefined) throw await itemRefusal(c, itemId);
        if (item.state === 'claimed') {
          // The same ack again (its answer was lost with a replica): answer it again while this token owns the run.
          const owned =
            item.run_id === newRun.id
              ? await one(c, `SELECT 1 FROM runs WHERE id = $1 AND fencing_token = $2`, [
                  newRun.id,
                  token,
                ])
              : undefined;
          if (owned === undefined) throw staleToken(`Queued run ${itemId}`);
          return toRun((await runById(c, newRun.id))!);
        }
        if (item.run_id !== null) {
          if (item.run_id !== newRun.id) throw retryOfOtherRun(itemId, item.run_id);
          await c.query(
            `UPDATE runs SET state = $1, fencing_token = $2, agent_id = $3, lease_expires_at = $4, acked_at = $5, exit_code = NULL, failure = NULL, started_at = NULL, finished_at = NULL WHERE id = $6`,
            [newRun.state, token, item.agent_id, newRun.leaseExpiresAt, newRun.now, item.run_id],
          );
          await c.query(`UPDATE queue_items SET state = 'claimed' WHERE id = $1`, [itemId]);
          return toRun((await runById(c, item.run_id))!);
        }
        const created = await insertRun(c, { ...newRun, agentId: newRun.agentId ?? item.agent_id });
        await c.query(`UPDATE queue_items SET state = 'claimed', run_id = $1 WHERE id = $2`, [
          newRun.id,
          itemId,
        ]);
        return created;
      });
    },
    async failItem(itemId, token, failure) {
      if (
        (await count(
          pool,
          `UPDATE queue_items SET state = 'failed', error = $1 WHERE id = $2 AND state = 'leased' AND fencing_token = $3`,
          [j({ stage: failure.stage, message: failure.message }), itemId, token],
        )) === 0
      )
        throw await itemRefusal(pool, itemId);
      return toItem((await itemById(pool, itemId))!);
    },
    async countPendingAhead(itemId) {
      const r = await one<{ n: number }>(
        pool,
        `SELECT count(*)::int AS n FROM queue_items o, queue_items i WHERE i.id = $1 AND o.queue_id = i.queue_id AND o.state = 'pending'
           AND (o.priority < i.priority OR (o.priority = i.priority AND o.seq < i.seq))`,
        [itemId],
      );
      return r?.n ?? 0;
    },
    async listQueueItems(queueId, state, limit) {
      return (
        await rows<ItemRow>(
          pool,
          `${ITEM_SELECT} WHERE i.queue_id = $1 AND ($2::text IS NULL OR i.state = $2) ORDER BY i.seq LIMIT $3`,
          [queueId, state ?? null, limit],
        )
      ).map(toItem);
    },
    async requeueExpiredLeases(now) {
      return (
        await rows<{ queue_id: string }>(
          pool,
          `UPDATE queue_items SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL WHERE state = 'leased' AND lease_expires_at < $1 RETURNING queue_id`,
          [now],
        )
      ).map((r) => r.queue_id);
    },
    async expireRunLeases(now, newToken) {
      const expired = await rows<{
        id: string;
        agent_id: string | null;
        attempt: number;
        state: string;
        queue_item_id: string | null;
        queue_id: string | null;
        max_attempts: number | null;
        lease_expires_at: number;
      }>(
        pool,
        `SELECT r.id, r.agent_id, r.attempt, r.state, r.queue_item_id, r.queue_id, r.lease_expires_at, q.max_attempts FROM runs r LEFT JOIN queues q ON q.id = r.queue_id
         WHERE r.state IN ('starting', 'running', 'stopping') AND r.lease_expires_at < $1`,
        [now],
      );
      const out: ExpiredRun[] = [];
      for (const r of expired) {
        await tx(async (c) => {
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
          const changed =
            expiry.outcome === 'retried'
              ? await requeueAttempt(
                  c,
                  queries,
                  { id: r.id, queueItemId: expiry.queueItemId },
                  newToken(),
                  'lease_expires_at = $3 AND state = $4',
                  [r.lease_expires_at, r.state],
                )
              : (await count(
                  c,
                  `UPDATE runs SET state = 'crashed', failure = $1, finished_at = $2, fencing_token = $3 WHERE id = $4 AND lease_expires_at = $5 AND state = $6`,
                  [j(expiry.failure), now, newToken(), r.id, r.lease_expires_at, r.state],
                )) === 1;
          if (!changed) return; // Another replica's sweeper, or a heartbeat, got there first.
          await appendLog(c, r.id, 'system', expiry.logLine, now);
          out.push({
            runId: r.id,
            agentId: r.agent_id,
            outcome: expiry.outcome,
            queueItemId: r.queue_item_id,
            queueId: r.queue_id,
          });
        });
      }
      return out;
    },
    async failStartTimeouts(startedBefore, now, message, newToken) {
      const stuck = await rows<{ id: string }>(
        pool,
        `SELECT id FROM runs WHERE state = 'starting' AND acked_at < $1`,
        [startedBefore],
      );
      const failed: string[] = [];
      for (const r of stuck) {
        const changed = await count(
          pool,
          `UPDATE runs SET state = 'failed', failure = $1, finished_at = $2, fencing_token = $3 WHERE id = $4 AND state = 'starting'`,
          [j(startTimeoutFailure(message)), now, newToken(), r.id],
        );
        if (changed === 1) failed.push(r.id);
      }
      return failed;
    },
    async agentRunIds(agentId, state) {
      return (
        await rows<{ id: string }>(
          pool,
          `SELECT id FROM runs WHERE agent_id = $1 AND state = $2 ORDER BY seq`,
          [agentId, state],
        )
      ).map((r) => r.id);
    },

    async createRun(r) {
      return insertRun(pool, r);
    },
    async getRun(id) {
      const r = await runById(pool, id);
      return r && toRun(r);
    },
    async listRuns(f) {
      const cursor = runCursor(f.cursor);
      const list = await rows<RunRow>(
        pool,
        `${RUN_SELECT} WHERE ($1::text IS NULL OR r.entity = $1) AND ($2::text IS NULL OR r.project = $2) AND ($3::text IS NULL OR r.queue_id = $3)
           AND ($4::text IS NULL OR r.state = $4) AND ($5::bigint IS NULL OR r.seq < $5) ORDER BY r.seq DESC LIMIT $6`,
        [
          f.entity ?? null,
          f.project ?? null,
          f.queueId ?? null,
          f.state ?? null,
          cursor,
          f.limit + 1,
        ],
      );
      return runPage(list, f.limit, toRun);
    },
    async updateRun(id, token, patch, ifState) {
      const run = await hot.fencedUpdate({ id, token, patch, ifState });
      if (run !== undefined) return runOf(run);
      const current = await one<{ fencing_token: string }>(
        pool,
        `SELECT fencing_token FROM runs WHERE id = $1`,
        [id],
      );
      if (current === undefined || current.fencing_token !== token)
        throw runRefused(id, current !== undefined);
      return undefined; // In another state than `ifState`.
    },
    async transitionRun(id, from, p) {
      const changed = await count(
        pool,
        `UPDATE runs SET ${PATCH_SET} WHERE id = $9 AND state = ANY($10::text[])`,
        [...patchValues(p), id, [...from]],
      );
      return changed === 0 ? undefined : toRun((await runById(pool, id))!);
    },
    async getRunsByIds(ids) {
      return (
        await rows<RunRow>(pool, `${RUN_SELECT} WHERE r.id = ANY($1::text[]) ORDER BY r.seq`, [
          [...ids],
        ])
      ).map(toRun);
    },
    async extendRunLeases(runs, leaseExpiresAt) {
      if (runs.length === 0) return [];
      const owned = new Set(
        (
          await rows<{ id: string }>(
            pool,
            `UPDATE runs SET lease_expires_at = $1 FROM unnest($2::text[], $3::text[]) AS mine(id, token)
         WHERE runs.id = mine.id AND runs.fencing_token = mine.token RETURNING runs.id`,
            [leaseExpiresAt, runs.map((r) => r.runId), runs.map((r) => r.fencingToken)],
          )
        ).map((r) => r.id),
      );
      return runs.filter((r) => owned.has(r.runId)).map((r) => r.runId);
    },

    async appendLogs(runId, token, lines, now, limit, from) {
      return tx(async (c) => {
        // Locking the run row serialises appends per run and fences them in one step.
        const owned = await one<{ log_bytes: number; log_token: string | null; log_lines: number }>(
          c,
          `SELECT log_bytes, log_token, log_lines FROM runs WHERE id = $1 AND fencing_token = $2 FOR UPDATE`,
          [runId, token],
        );
        if (owned === undefined) throw await runRefusal(c, runId);
        const start =
          (await one<{ n: number | null }>(
            c,
            `SELECT max(seq) AS n FROM run_logs WHERE run_id = $1`,
            [runId],
          ))!.n ?? -1;
        const received = { token: owned.log_token, count: Number(owned.log_lines) };
        const unseen = unseenLines(received, token, from, lines);
        const { keep, used, truncated } = fitLines(owned.log_bytes, unseen.lines, limit);
        if (keep.length > 0) {
          await exec(
            c,
            `INSERT INTO run_logs (run_id, seq, stream, text, ts) SELECT $1, $2::bigint + n, s, t, $3 FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS x(s, t, n)`,
            [runId, start, now, keep.map((l) => l.stream), keep.map((l) => l.text)],
          );
        }
        if (used !== owned.log_bytes || unseen.received !== received)
          await exec(
            c,
            `UPDATE runs SET log_bytes = $1, log_token = $2, log_lines = $3 WHERE id = $4`,
            [used, unseen.received.token, unseen.received.count, runId],
          );
        return {
          next: start + 1 + keep.length,
          truncated,
          received: receivedCount(unseen.received, token),
        };
      });
    },
    async readLogs(runId, after, limit) {
      return (
        await rows<{ seq: number; stream: LogLine['stream']; text: string; ts: number }>(
          pool,
          `SELECT seq, stream, text, ts FROM run_logs WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
          [runId, after, limit],
        )
      ).map((r) => ({
        seq: r.seq,
        stream: r.stream,
        text: r.text,
        ts: new Date(r.ts).toISOString(),
      }));
    },

    async createAgent(a) {
      const created = await one<AgentRow>(
        pool,
        `INSERT INTO agents (id, entity, queues, hostname, status, max_jobs, running, version, config, last_heartbeat_at, created_at)
        VALUES ($1, $2, $3, $4, 'polling', $5, 0, $6, $7, $8, $8) RETURNING *`,
        [a.id, a.entity, j(a.queues), a.hostname, a.maxJobs, a.version, j(a.config), a.now],
      ).catch((error: unknown) => {
        throw isUniqueViolation(error) ? agentExists(a.id) : error;
      });
      return toAgent(created!);
    },
    async getAgent(id) {
      const r = await one<AgentRow>(pool, `SELECT * FROM agents WHERE id = $1`, [id]);
      return r && toAgent(r);
    },
    async listAgents(entity) {
      return (
        await rows<AgentRow>(
          pool,
          `SELECT * FROM agents WHERE entity = $1 ORDER BY created_at, id`,
          [entity],
        )
      ).map(toAgent);
    },
    async heartbeatAgent(id, status, running, now) {
      const changed = await count(
        pool,
        `UPDATE agents SET status = $1, running = $2, last_heartbeat_at = $3 WHERE id = $4`,
        [status, running, now, id],
      );
      if (changed === 0) throw agentNotFound(id);
    },
    async touchAgent(id, now) {
      // Never moves the time back (another replica may have written a later beat).
      await exec(
        lazy,
        `UPDATE agents SET last_heartbeat_at = $1 WHERE id = $2 AND last_heartbeat_at < $1`,
        [now, id],
      );
    },
  };
}
