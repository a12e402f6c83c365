/**
 * @module The SQLite adapter of the `Store` port (better-sqlite3, the embedded default). The
 * synchronous driver stays inside this module; the port is asynchronous. WAL and group commit
 * (`group-commit.ts`): a write resolves only once its transaction has been fsynced, so an acknowledged
 * enqueue survives kill -9 and power loss, while concurrent writers share one fsync, made off the event loop.
 * Every method body runs synchronously, so each is atomic with respect to the others.
 */
import type { JobSummary, LogLine, Queue } from '@tminus/sdk/protocol';
import Database from 'better-sqlite3';

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
import { fitLines } from '../log-budget.js';
import { receivedCount, unseenLines } from '../log-resume.js';
import {
  type AgentRow,
  type BareItemRow,
  type BareRunRow,
  type JobRow,
  type QueueRow,
  pendingItem,
  toAgent,
  toItem,
  toJobVersion,
  toQueue,
  toRun,
} from '../rows.js';
import { jsonText as j, patchSet, patchValues } from '../run-patch.js';
import { runCursor, runPage } from '../run-pages.js';
import type { NewQueueItem, NewRun, Store } from '../store.js';
import { BoundedMap } from '../../lib/bounded-map.js';
import { GroupCommit } from './group-commit.js';
import { leaseSweeps } from './lease-sweeps.js';
import { sqliteMetrics } from './metrics.js';
import { applySqliteMigrations } from './migrations.js';
import { runRetry } from './run-retry.js';
import { runWaiting } from './run-waiting.js';
import { insertLog, nextLogSeq, statementCache } from './statements.js';
import { sqliteTenancy } from './tenancy.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
}

/** `RunPatch` as one SET clause (run-patch.ts): absent fields keep their value. */
const PATCH_SET = patchSet(() => '?');
const isUniqueViolation = (error: unknown) =>
  error instanceof Database.SqliteError &&
  /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(error.code);

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const db = new Database(options.path);
  db.pragma('busy_timeout = 5000'); // first: switching to WAL needs a lock another process may hold
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -65536'); // 64 MiB (default 2 MiB): random-key indexes of a deep queue stay in memory
  db.pragma('foreign_keys = ON');
  const gc = new GroupCommit(db);
  const write = <T>(fn: () => T) => gc.write(fn);
  // Reads do not wait for the fsync of what they see; `durable()` is the barrier (see group-commit.ts).
  const read = async <T>(fn: () => T): Promise<T> => fn();

  const sql = statementCache(db);
  const { get, all, run } = sql;

  // Queues are never renamed or deleted (the port has no such method), so their names can be cached:
  // wire items and runs carry the queue's name, and this spares a join on every hot-path write.
  const queueNames = new BoundedMap<string, { name: string; entity: string }>(10_000);
  const queueRef = (id: string) => {
    let ref = queueNames.get(id);
    if (ref === undefined) {
      ref = get<{ name: string; entity: string }>(
        `SELECT name, entity FROM queues WHERE id = ?`,
        id,
      );
      if (ref !== undefined) queueNames.set(id, ref);
    }
    return ref;
  };
  const item = (r: BareItemRow) => {
    const q = queueRef(r.queue_id);
    return toItem({ ...r, queue_name: q?.name ?? '', queue_entity: q?.entity ?? '' });
  };
  const runOf = (r: BareRunRow) =>
    toRun({ ...r, queue_name: r.queue_id === null ? null : (queueRef(r.queue_id)?.name ?? null) });
  const itemRow = (id: string) => get<BareItemRow>(`SELECT * FROM queue_items WHERE id = ?`, id);
  const runRow = (id: string) => get<BareRunRow>(`SELECT * FROM runs WHERE id = ?`, id);

  const aliasesOf = (e: string, p: string, n: string, v: number) =>
    all<{ alias: string }>(
      `SELECT alias FROM job_aliases WHERE entity=? AND project=? AND name=? AND version=? ORDER BY alias`,
      e,
      p,
      n,
      v,
    ).map((a) => a.alias);
  const jobVersion = (r: JobRow | undefined) =>
    r === undefined
      ? undefined
      : toJobVersion(r, aliasesOf(r.entity, r.project, r.name, r.version));
  const versionRow = (e: string, p: string, n: string, v: number) =>
    get<JobRow>(
      `SELECT * FROM job_versions WHERE entity=? AND project=? AND name=? AND version=?`,
      e,
      p,
      n,
      v,
    );

  const insertRun = (r: NewRun) => {
    try {
      return runOf(
        get<BareRunRow>(
          `INSERT INTO runs (id, entity, project, name, state, queue_item_id, queue_id, job, spec, config, summary, agent_id,
           fencing_token, lease_expires_at, created_at, acked_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?) RETURNING *`,
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
          r.now,
          r.createdBy,
        )!,
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw runExists(r.id);
    }
  };
  /** Why a fenced write changed nothing: the object is gone, or the token is stale. */
  const itemRefusal = (itemId: string) => itemRefused(itemId, itemRow(itemId) !== undefined);
  const runRefusal = (runId: string) =>
    runRefused(runId, get(`SELECT 1 FROM runs WHERE id = ?`, runId) !== undefined);

  /** One enqueue, inside the caller's transaction. */
  const enqueueOne = (i: NewQueueItem) => {
    const queue = queueRef(i.queueId);
    if (queue === undefined) throw queueNotFound(i.queueId);
    let inserted: number;
    try {
      inserted = run(
        `INSERT INTO queue_items (id, queue_id, state, priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at, created_by)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
        i.id,
        i.queueId,
        i.priority,
        j(i.spec),
        j(i.templateVariables),
        i.projectQueue,
        i.idempotencyKey,
        j(i.warnings),
        i.now,
        i.createdBy,
      ).changes;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw itemExists(i.id);
    }
    if (inserted === 1) return { item: pendingItem(i, queue), existed: false };
    // The idempotency key was seen before: the first item answers.
    return {
      item: item(
        get<BareItemRow>(`SELECT * FROM queue_items WHERE idempotency_key = ?`, i.idempotencyKey)!,
      ),
      existed: true,
    };
  };

  const insertQueue = (q: Queue & { readonly createdAtMs: number }) => {
    try {
      return toQueue(
        get<QueueRow>(
          `INSERT INTO queues (id, entity, name, resource, config, template_variables, prioritization, max_attempts, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          q.id,
          q.entity,
          q.name,
          q.resource,
          j(q.config),
          j(q.templateVariables),
          q.prioritization ? 1 : 0,
          q.maxAttempts,
          q.createdAtMs,
        )!,
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw queueExists(q.entity, q.name);
    }
  };

  const store: Store = {
    durable: () => gc.durable(),
    async migrate() {
      gc.flush();
      // Bookkeeping only (`applied_at`): the one clock read in this adapter.
      applySqliteMigrations(db, Date.now());
    },
    async close() {
      if (!db.open) return;
      try {
        gc.flush();
      } finally {
        gc.close();
        db.close();
      }
    },

    ...sqliteTenancy({ sql, write, read, insertQueue, isUniqueViolation }),
    ...sqliteMetrics({ sql, write, read }),

    createQueue: (q) => write(() => insertQueue(q)),
    getQueue: (entity, name) =>
      read(() => {
        const r = get<QueueRow>(`SELECT * FROM queues WHERE entity = ? AND name = ?`, entity, name);
        return r && toQueue(r);
      }),
    getQueueById: (id) =>
      read(() => {
        const r = get<QueueRow>(`SELECT * FROM queues WHERE id = ?`, id);
        return r && toQueue(r);
      }),
    listQueues: (entity) =>
      read(() =>
        all<QueueRow>(`SELECT * FROM queues WHERE entity = ? ORDER BY name`, entity).map(toQueue),
      ),

    findJobVersionByDigest: (e, p, n, digest) =>
      read(() =>
        jobVersion(
          get<JobRow>(
            `SELECT * FROM job_versions WHERE entity=? AND project=? AND name=? AND digest=? ORDER BY version DESC LIMIT 1`,
            e,
            p,
            n,
            digest,
          ),
        ),
      ),
    getJobVersion: (e, p, n, alias) =>
      read(() => {
        const m = /^v(\d+)$/.exec(alias);
        const version = m
          ? Number(m[1])
          : get<{ version: number }>(
              `SELECT version FROM job_aliases WHERE entity=? AND project=? AND name=? AND alias=?`,
              e,
              p,
              n,
              alias,
            )?.version;
        return version === undefined ? undefined : jobVersion(versionRow(e, p, n, version));
      }),
    createJobVersion: (v) =>
      write(() => {
        const last = get<{ v: number | null }>(
          `SELECT max(version) AS v FROM job_versions WHERE entity=? AND project=? AND name=?`,
          v.entity,
          v.project,
          v.name,
        )!.v;
        const version = last === null ? 0 : last + 1;
        run(
          `INSERT INTO job_versions (entity, project, name, version, source, digest, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          v.entity,
          v.project,
          v.name,
          version,
          j(v.source),
          v.digest,
          v.description,
          v.now,
        );
        // An alias names one version: giving it again moves it (as `latest` moves on every version).
        for (const alias of new Set(['latest', ...v.aliases])) {
          run(
            `INSERT INTO job_aliases (entity, project, name, alias, version) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (entity, project, name, alias) DO UPDATE SET version = excluded.version`,
            v.entity,
            v.project,
            v.name,
            alias,
            version,
          );
        }
        return {
          job: jobVersion(versionRow(v.entity, v.project, v.name, version))!,
          jobCreated: version === 0,
        };
      }),
    listJobs: (entity, project) =>
      read(() => {
        const rows = all<JobRow & { versions: number }>(
          `SELECT v.*, c.versions FROM job_versions v JOIN (SELECT entity, project, name, max(version) AS top, count(*) AS versions
             FROM job_versions WHERE entity = ? AND (? IS NULL OR project = ?) GROUP BY entity, project, name) c
           ON c.entity = v.entity AND c.project = v.project AND c.name = v.name AND c.top = v.version ORDER BY v.project, v.name`,
          entity,
          project ?? null,
          project ?? null,
        );
        return rows.map((r): JobSummary => {
          const aliases = all<{ alias: string; version: number }>(
            `SELECT alias, version FROM job_aliases WHERE entity=? AND project=? AND name=? ORDER BY alias`,
            r.entity,
            r.project,
            r.name,
          );
          return {
            entity: r.entity,
            project: r.project,
            name: r.name,
            versions: r.versions,
            latest: jobVersion(r)!,
            aliases: Object.fromEntries(aliases.map((a) => [a.alias, `v${a.version}`])),
          };
        });
      }),

    enqueue: (i) => write(() => enqueueOne(i)),
    enqueueMany: (items) => write(() => items.map(enqueueOne)),
    getQueueItem: (id) =>
      read(() => {
        const r = itemRow(id);
        return r && item(r);
      }),
    deleteQueueItem: (id) =>
      write(() => {
        if (run(`DELETE FROM queue_items WHERE id = ? AND state = 'pending'`, id).changes === 1)
          return 'deleted' as const;
        return itemRow(id) === undefined ? ('not_found' as const) : ('not_pending' as const);
      }),
    // Acknowledged at COMMIT, before its fsync: a claim lost in a crash leaves the item pending and
    // the agent's (durable, fenced) ack refused, so nothing runs twice; dispatch saves an fsync.
    claim: (c) =>
      gc.write(() => {
        // One statement picks and leases the head of the queue (partial index queue_items_claim).
        const r = get<BareItemRow>(
          `UPDATE queue_items SET state = 'leased', agent_id = ?, fencing_token = ?, lease_expires_at = ?
           WHERE seq = (SELECT seq FROM queue_items WHERE queue_id = ? AND state = 'pending' ORDER BY priority, seq LIMIT 1)
           RETURNING *`,
          c.agentId,
          c.fencingToken,
          c.leaseExpiresAt,
          c.queueId,
        );
        return r && item(r);
      }, 'committed'),
    ackItem: (itemId, token, newRun) =>
      write(() => {
        const leased = get<{ agent_id: string | null; run_id: string | null; state: string }>(
          `SELECT agent_id, run_id, state FROM queue_items WHERE id = ? AND state IN ('leased', 'claimed') AND fencing_token = ?`,
          itemId,
          token,
        );
        if (leased === undefined) throw itemRefusal(itemId);
        if (leased.state === 'claimed') {
          // The same ack again (its answer was lost with a replica or a restart): answer it again,
          // as long as this token still owns the run.
          const owned =
            leased.run_id === newRun.id
              ? get(`SELECT 1 FROM runs WHERE id = ? AND fencing_token = ?`, newRun.id, token)
              : undefined;
          if (owned === undefined) throw staleToken(`Queued run ${itemId}`);
          return runOf(runRow(newRun.id)!);
        }
        if (leased.run_id !== null) {
          // A retry: the next attempt of the same run (its attempt number was raised when it was re-queued).
          if (leased.run_id !== newRun.id) {
            throw retryOfOtherRun(itemId, leased.run_id);
          }
          const retried = get<BareRunRow>(
            `UPDATE runs SET state = ?, fencing_token = ?, agent_id = ?, lease_expires_at = ?, acked_at = ?, exit_code = NULL, failure = NULL,
               started_at = NULL, finished_at = NULL WHERE id = ? RETURNING *`,
            newRun.state,
            token,
            leased.agent_id,
            newRun.leaseExpiresAt,
            newRun.now,
            leased.run_id,
          )!;
          run(`UPDATE queue_items SET state = 'claimed' WHERE id = ?`, itemId);
          return runOf(retried);
        }
        const created = insertRun({ ...newRun, agentId: newRun.agentId ?? leased.agent_id });
        run(`UPDATE queue_items SET state = 'claimed', run_id = ? WHERE id = ?`, newRun.id, itemId);
        return created;
      }),
    failItem: (itemId, token, failure) =>
      write(() => {
        const r = get<BareItemRow>(
          `UPDATE queue_items SET state = 'failed', error = ? WHERE id = ? AND state = 'leased' AND fencing_token = ? RETURNING *`,
          j({ stage: failure.stage, message: failure.message }),
          itemId,
          token,
        );
        if (r === undefined) throw itemRefusal(itemId);
        return item(r);
      }),
    countPendingAhead: (itemId) =>
      read(
        () =>
          get<{ n: number }>(
            `SELECT count(*) AS n FROM queue_items o, queue_items i WHERE i.id = ? AND o.queue_id = i.queue_id AND o.state = 'pending'
           AND (o.priority < i.priority OR (o.priority = i.priority AND o.seq < i.seq))`,
            itemId,
          )?.n ?? 0,
      ),
    listQueueItems: (queueId, state, limit) =>
      read(() =>
        all<BareItemRow>(
          `SELECT * FROM queue_items WHERE queue_id = ? AND (? IS NULL OR state = ?) ORDER BY seq LIMIT ?`,
          queueId,
          state ?? null,
          state ?? null,
          limit,
        ).map(item),
      ),
    ...leaseSweeps(sql, write),
    ...runWaiting(sql, write, runOf),
    ...runRetry(sql, write, runOf),
    agentRunIds: (agentId, state) =>
      read(() =>
        all<{ id: string }>(
          `SELECT id FROM runs WHERE agent_id = ? AND state = ? ORDER BY seq`,
          agentId,
          state,
        ).map((r) => r.id),
      ),

    createRun: (r) => write(() => insertRun(r)),
    getRun: (id) =>
      read(() => {
        const r = runRow(id);
        return r && runOf(r);
      }),
    listRuns: (f) =>
      read(() => {
        const cursor = runCursor(f.cursor);
        const rows = all<BareRunRow>(
          `SELECT * FROM runs WHERE (? IS NULL OR entity = ?) AND (? IS NULL OR project = ?) AND (? IS NULL OR queue_id = ?)
             AND (? IS NULL OR state = ?) AND (? IS NULL OR seq < ?) ORDER BY seq DESC LIMIT ?`,
          f.entity ?? null,
          f.entity ?? null,
          f.project ?? null,
          f.project ?? null,
          f.queueId ?? null,
          f.queueId ?? null,
          f.state ?? null,
          f.state ?? null,
          cursor,
          cursor,
          f.limit + 1,
        );
        return runPage(rows, f.limit, runOf);
      }),
    updateRun: (id, token, p, ifState) =>
      write(() => {
        const r = get<BareRunRow>(
          `UPDATE runs SET ${PATCH_SET} WHERE id = ? AND fencing_token = ? AND coalesce(?, state) = state RETURNING *`,
          ...patchValues(p),
          id,
          token,
          ifState ?? null,
        );
        if (r !== undefined) return runOf(r);
        if (
          ifState !== undefined &&
          get(`SELECT 1 FROM runs WHERE id = ? AND fencing_token = ?`, id, token) !== undefined
        )
          return undefined;
        throw runRefusal(id);
      }),
    transitionRun: (id, from, p) =>
      write(() => {
        const r = get<BareRunRow>(
          `UPDATE runs SET ${PATCH_SET} WHERE id = ? AND state IN (SELECT value FROM json_each(?)) RETURNING *`,
          ...patchValues(p),
          id,
          j(from),
        );
        return r && runOf(r);
      }),
    getRunsByIds: (ids) =>
      read(() =>
        all<BareRunRow>(
          `SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
          j(ids),
        ).map(runOf),
      ),
    extendRunLeases: (runs, leaseExpiresAt) =>
      write(() =>
        runs
          .filter(
            (r) =>
              run(
                `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND fencing_token = ?`,
                leaseExpiresAt,
                r.runId,
                r.fencingToken,
              ).changes === 1,
          )
          .map((r) => r.runId),
      ),

    appendLogs: (runId, token, lines, now, limit, from) =>
      write(() => {
        const owned = get<{ log_bytes: number; log_token: string | null; log_lines: number }>(
          `SELECT log_bytes, log_token, log_lines FROM runs WHERE id = ? AND fencing_token = ?`,
          runId,
          token,
        );
        if (owned === undefined) throw runRefusal(runId);
        const received = { token: owned.log_token, count: owned.log_lines };
        const unseen = unseenLines(received, token, from, lines);
        const fitted = fitLines(owned.log_bytes, unseen.lines, limit);
        let next = nextLogSeq(sql, runId);
        for (const line of fitted.keep) insertLog(sql, runId, next++, line.stream, line.text, now);
        if (fitted.used !== owned.log_bytes || unseen.received !== received)
          run(
            `UPDATE runs SET log_bytes = ?, log_token = ?, log_lines = ? WHERE id = ?`,
            fitted.used,
            unseen.received.token,
            unseen.received.count,
            runId,
          );
        return {
          next,
          truncated: fitted.truncated,
          received: receivedCount(unseen.received, token),
        };
      }),
    readLogs: (runId, after, limit) =>
      read(() =>
        all<{ seq: number; stream: LogLine['stream']; text: string; ts: number }>(
          `SELECT seq, stream, text, ts FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
          runId,
          after,
          limit,
        ).map((r): LogLine => ({
          seq: r.seq,
          stream: r.stream,
          text: r.text,
          ts: new Date(r.ts).toISOString(),
        })),
      ),

    createAgent: (a) =>
      write(() => {
        try {
          return toAgent(
            get<AgentRow>(
              `INSERT INTO agents (id, entity, queues, hostname, status, max_jobs, running, version, config, last_heartbeat_at, created_at)
             VALUES (?, ?, ?, ?, 'polling', ?, 0, ?, ?, ?, ?) RETURNING *`,
              a.id,
              a.entity,
              j(a.queues),
              a.hostname,
              a.maxJobs,
              a.version,
              j(a.config),
              a.now,
              a.now,
            )!,
          );
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw agentExists(a.id);
        }
      }),
    getAgent: (id) =>
      read(() => {
        const r = get<AgentRow>(`SELECT * FROM agents WHERE id = ?`, id);
        return r && toAgent(r);
      }),
    listAgents: (entity) =>
      read(() =>
        all<AgentRow>(`SELECT * FROM agents WHERE entity = ? ORDER BY created_at, id`, entity).map(
          toAgent,
        ),
      ),
    heartbeatAgent: (id, status, running, now) =>
      write(() => {
        if (
          run(
            `UPDATE agents SET status = ?, running = ?, last_heartbeat_at = ? WHERE id = ?`,
            status,
            running,
            now,
            id,
          ).changes === 0
        ) {
          throw agentNotFound(id);
        }
      }),
    // A sign of life lost in a crash is harmless: acknowledged at COMMIT, like a claim.
    touchAgent: (id, now) =>
      gc.write(
        () =>
          void run(
            `UPDATE agents SET last_heartbeat_at = ? WHERE id = ? AND last_heartbeat_at < ?`,
            now,
            id,
            now,
          ),
        'committed',
      ),
  };
  return store;
}
