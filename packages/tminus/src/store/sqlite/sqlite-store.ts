/**
 * @module The SQLite adapter of the `Store` port (better-sqlite3). Synchronous calls stay inside this
 * file; the port is asynchronous. WAL with `synchronous=FULL`: an acknowledged write survives kill -9.
 */
import { LaunchError } from '@tminus/sdk';
import type { JobSummary, LogLine } from '@tminus/sdk/protocol';
import Database from 'better-sqlite3';

import { staleToken } from '../errors.js';
import type { ExpiredRun, NewRun, Store } from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import {
  type AgentRow, type ItemRow, type JobRow, type QueueRow, type RunRow,
  toAgent, toItem, toJobVersion, toQueue, toRun,
} from '../rows.js';

const ITEM_SELECT = `SELECT i.*, q.name AS queue_name, q.entity AS queue_entity FROM queue_items i JOIN queues q ON q.id = i.queue_id`;
const RUN_SELECT = `SELECT r.*, q.name AS queue_name FROM runs r LEFT JOIN queues q ON q.id = r.queue_id`;

export async function openSqliteStore(options: { path: string }): Promise<Store> {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (s === undefined) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const get = <T>(sql: string, ...args: unknown[]) => st(sql).get(...args) as T | undefined;
  const all = <T>(sql: string, ...args: unknown[]) => st(sql).all(...args) as T[];
  const run = (sql: string, ...args: unknown[]) => st(sql).run(...args);
  const j = (value: unknown) => JSON.stringify(value ?? null);

  const itemById = (id: string) => get<ItemRow>(`${ITEM_SELECT} WHERE i.id = ?`, id);
  const runById = (id: string) => get<RunRow>(`${RUN_SELECT} WHERE r.id = ?`, id);
  const aliasesOf = (e: string, p: string, n: string, v: number) =>
    all<{ alias: string }>(`SELECT alias FROM job_aliases WHERE entity=? AND project=? AND name=? AND version=? ORDER BY alias`, e, p, n, v).map((a) => a.alias);
  const jobVersion = (r: JobRow | undefined) => (r === undefined ? undefined : toJobVersion(r, aliasesOf(r.entity, r.project, r.name, r.version)));

  const insertRun = (r: NewRun) => {
    if (get(`SELECT 1 FROM runs WHERE id = ?`, r.id) !== undefined) {
      throw new LaunchError('CONFLICT', `A run with id "${r.id}" exists already`, { hint: 'Choose another run id.' });
    }
    run(
      `INSERT INTO runs (id, entity, project, name, state, queue_item_id, queue_id, job, spec, config, summary, agent_id, fencing_token, lease_expires_at, created_at, acked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?)`,
      r.id, r.entity, r.project, r.name, r.state, r.queueItemId, r.queueId, r.job, j(r.spec), j(r.config),
      r.agentId, r.fencingToken, r.leaseExpiresAt, r.now, r.now,
    );
    return toRun(runById(r.id)!);
  };

  const store: Store = {
    async migrate() {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
      const applied = new Set(all<{ version: number }>(`SELECT version FROM schema_migrations`).map((r) => r.version));
      for (const m of SQLITE_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        db.transaction(() => {
          db.exec(m.sql);
          run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, Date.now());
        })();
      }
    },
    async close() {
      db.close();
    },

    async countApiKeys() {
      return get<{ n: number }>(`SELECT count(*) AS n FROM api_keys`)!.n;
    },
    async createApiKey(k) {
      run(`INSERT INTO api_keys (id, name, hash, entity, created_at) VALUES (?, ?, ?, ?, ?)`, k.id, k.name, k.hash, k.entity, k.createdAt);
    },
    async findApiKeyByHash(hash) {
      const r = get<{ id: string; name: string; hash: string; entity: string; created_at: number }>(`SELECT * FROM api_keys WHERE hash = ?`, hash);
      return r && { id: r.id, name: r.name, hash: r.hash, entity: r.entity, createdAt: r.created_at };
    },
    async ensureEntity(name, now) {
      return run(`INSERT OR IGNORE INTO entities (name, created_at) VALUES (?, ?)`, name, now).changes === 1;
    },
    async ensureProject(entity, project, now) {
      run(`INSERT OR IGNORE INTO projects (entity, name, created_at) VALUES (?, ?, ?)`, entity, project, now);
    },

    async createQueue(q) {
      try {
        run(
          `INSERT INTO queues (id, entity, name, resource, config, template_variables, prioritization, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          q.id, q.entity, q.name, q.resource, j(q.config), j(q.templateVariables), q.prioritization ? 1 : 0, q.maxAttempts, q.createdAtMs,
        );
      } catch (error) {
        if (String(error).includes('UNIQUE')) {
          throw new LaunchError('CONFLICT', `Queue "${q.name}" already exists for entity "${q.entity}"`, { hint: 'Pick another name, or use the existing queue.' });
        }
        throw error;
      }
      return toQueue(get<QueueRow>(`SELECT * FROM queues WHERE id = ?`, q.id)!);
    },
    async getQueue(entity, name) {
      const r = get<QueueRow>(`SELECT * FROM queues WHERE entity = ? AND name = ?`, entity, name);
      return r && toQueue(r);
    },
    async getQueueById(id) {
      const r = get<QueueRow>(`SELECT * FROM queues WHERE id = ?`, id);
      return r && toQueue(r);
    },
    async listQueues(entity) {
      return all<QueueRow>(`SELECT * FROM queues WHERE entity = ? ORDER BY name`, entity).map(toQueue);
    },

    async findJobVersionByDigest(e, p, n, digest) {
      return jobVersion(get<JobRow>(`SELECT * FROM job_versions WHERE entity=? AND project=? AND name=? AND digest=? ORDER BY version DESC LIMIT 1`, e, p, n, digest));
    },
    async getJobVersion(e, p, n, alias) {
      const m = /^v(\d+)$/.exec(alias);
      const version = m ? Number(m[1]) : get<{ version: number }>(`SELECT version FROM job_aliases WHERE entity=? AND project=? AND name=? AND alias=?`, e, p, n, alias)?.version;
      if (version === undefined) return undefined;
      return jobVersion(get<JobRow>(`SELECT * FROM job_versions WHERE entity=? AND project=? AND name=? AND version=?`, e, p, n, version));
    },
    async createJobVersion(v) {
      return db.transaction(() => {
        const last = get<{ v: number | null }>(`SELECT max(version) AS v FROM job_versions WHERE entity=? AND project=? AND name=?`, v.entity, v.project, v.name)!.v;
        const version = last === null ? 0 : last + 1;
        run(`INSERT INTO job_versions (entity, project, name, version, source, digest, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          v.entity, v.project, v.name, version, j(v.source), v.digest, v.description, v.now);
        for (const alias of new Set(['latest', ...v.aliases])) {
          run(`INSERT INTO job_aliases (entity, project, name, alias, version) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (entity, project, name, alias) DO UPDATE SET version = excluded.version`, v.entity, v.project, v.name, alias, version);
        }
        const job = jobVersion(get<JobRow>(`SELECT * FROM job_versions WHERE entity=? AND project=? AND name=? AND version=?`, v.entity, v.project, v.name, version))!;
        return { job, jobCreated: version === 0 };
      })();
    },
    async listJobs(entity, project) {
      const rows = all<JobRow & { versions: number }>(
        `SELECT v.*, c.versions FROM job_versions v JOIN (SELECT entity, project, name, max(version) AS top, count(*) AS versions FROM job_versions
           WHERE entity = ? AND (? IS NULL OR project = ?) GROUP BY entity, project, name) c
         ON c.entity = v.entity AND c.project = v.project AND c.name = v.name AND c.top = v.version ORDER BY v.project, v.name`,
        entity, project ?? null, project ?? null,
      );
      return rows.map((r): JobSummary => {
        const aliases = all<{ alias: string; version: number }>(`SELECT alias, version FROM job_aliases WHERE entity=? AND project=? AND name=?`, r.entity, r.project, r.name);
        return {
          entity: r.entity, project: r.project, name: r.name, versions: r.versions, latest: jobVersion(r)!,
          aliases: Object.fromEntries(aliases.map((a) => [a.alias, `v${a.version}`])),
        };
      });
    },

    async enqueue(i) {
      if (i.idempotencyKey !== null) {
        const existing = get<ItemRow>(`${ITEM_SELECT} WHERE i.idempotency_key = ?`, i.idempotencyKey);
        if (existing !== undefined) return { item: toItem(existing), existed: true };
      }
      run(`INSERT INTO queue_items (id, queue_id, state, priority, spec, template_variables, project_queue, idempotency_key, warnings, created_at)
           VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
        i.id, i.queueId, i.priority, j(i.spec), j(i.templateVariables), i.projectQueue, i.idempotencyKey, j(i.warnings), i.now);
      return { item: toItem(itemById(i.id)!), existed: false };
    },
    async getQueueItem(id) {
      const r = itemById(id);
      return r && toItem(r);
    },
    async deleteQueueItem(id) {
      if (run(`DELETE FROM queue_items WHERE id = ? AND state = 'pending'`, id).changes === 1) return 'deleted';
      return get(`SELECT 1 FROM queue_items WHERE id = ?`, id) === undefined ? 'not_found' : 'not_pending';
    },
    async claim(c) {
      const r = get<{ id: string }>(
        `UPDATE queue_items SET state = 'leased', agent_id = ?, fencing_token = ?, lease_expires_at = ?
         WHERE seq = (SELECT seq FROM queue_items WHERE queue_id = ? AND state = 'pending' ORDER BY priority, seq LIMIT 1)
         RETURNING id`,
        c.agentId, c.fencingToken, c.leaseExpiresAt, c.queueId,
      );
      return r && toItem(itemById(r.id)!);
    },
    async ackItem(itemId, token, newRun) {
      return db.transaction(() => {
        const item = get<{ agent_id: string | null; run_id: string | null }>(`SELECT agent_id, run_id FROM queue_items WHERE id = ? AND state = 'leased' AND fencing_token = ?`, itemId, token);
        if (item === undefined) throw staleToken(`Queued run ${itemId}`);
        if (item.run_id !== null) {
          // A retry: the next attempt of the same run (its attempt number was raised when it was re-queued).
          if (item.run_id !== newRun.id) throw new LaunchError('CONFLICT', `Queued run ${itemId} is a retry of run ${item.run_id}; acknowledge it with that run id`);
          run(`UPDATE runs SET state = ?, fencing_token = ?, agent_id = ?, lease_expires_at = ?, acked_at = ?, exit_code = NULL, failure = NULL, started_at = NULL WHERE id = ?`,
            newRun.state, token, item.agent_id, newRun.leaseExpiresAt, newRun.now, item.run_id);
          run(`UPDATE queue_items SET state = 'claimed' WHERE id = ?`, itemId);
          return toRun(runById(item.run_id)!);
        }
        const created = insertRun({ ...newRun, agentId: newRun.agentId ?? item.agent_id });
        run(`UPDATE queue_items SET state = 'claimed', run_id = ? WHERE id = ?`, newRun.id, itemId);
        return created;
      })();
    },
    async failItem(itemId, token, failure) {
      const changed = run(`UPDATE queue_items SET state = 'failed', error = ? WHERE id = ? AND state = 'leased' AND fencing_token = ?`, j(failure), itemId, token);
      if (changed.changes === 0) throw staleToken(`Queued run ${itemId}`);
      return toItem(itemById(itemId)!);
    },
    async countPendingAhead(itemId) {
      const r = get<{ n: number }>(
        `SELECT count(*) AS n FROM queue_items o, queue_items i WHERE i.id = ? AND o.queue_id = i.queue_id AND o.state = 'pending'
           AND (o.priority < i.priority OR (o.priority = i.priority AND o.seq < i.seq))`, itemId);
      return r?.n ?? 0;
    },

    async listQueueItems(queueId, state, limit) {
      return all<ItemRow>(`${ITEM_SELECT} WHERE i.queue_id = ? AND (? IS NULL OR i.state = ?) ORDER BY i.seq LIMIT ?`, queueId, state ?? null, state ?? null, limit).map(toItem);
    },
    async requeueExpiredLeases(now) {
      return all<{ queue_id: string }>(
        `UPDATE queue_items SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL
         WHERE state = 'leased' AND lease_expires_at < ? RETURNING queue_id`, now,
      ).map((r) => r.queue_id);
    },
    async expireRunLeases(now, newToken) {
      const expired = all<{ id: string; agent_id: string | null; attempt: number; state: string; queue_item_id: string | null; queue_id: string | null; max_attempts: number | null; lease_expires_at: number }>(
        `SELECT r.id, r.agent_id, r.attempt, r.state, r.queue_item_id, r.queue_id, r.lease_expires_at, q.max_attempts FROM runs r LEFT JOIN queues q ON q.id = r.queue_id
         WHERE r.state IN ('starting', 'running', 'stopping') AND r.lease_expires_at < ?`, now);
      const out: ExpiredRun[] = [];
      for (const r of expired) {
        db.transaction(() => {
          const token = newToken();
          const lost = `Agent ${r.agent_id ?? '?'} stopped heartbeating; its lease on attempt ${r.attempt} expired at ${new Date(r.lease_expires_at).toISOString()}`;
          const retry = r.state !== 'stopping' && r.queue_item_id !== null && r.attempt < (r.max_attempts ?? 1);
          const changed = retry
            ? run(`UPDATE runs SET state = 'pending', attempt = attempt + 1, fencing_token = ?, agent_id = NULL, lease_expires_at = NULL WHERE id = ? AND lease_expires_at = ? AND state = ?`, token, r.id, r.lease_expires_at, r.state)
            : run(`UPDATE runs SET state = 'crashed', failure = ?, finished_at = ?, fencing_token = ? WHERE id = ? AND lease_expires_at = ? AND state = ?`,
                j({ stage: 'agent', reason: 'agent_lost', message: lost }), now, token, r.id, r.lease_expires_at, r.state);
          if (changed.changes === 0) return; // Another sweeper (or the agent's heartbeat) got there first.
          if (retry) run(`UPDATE queue_items SET state = 'pending', agent_id = NULL, fencing_token = NULL, lease_expires_at = NULL WHERE id = ?`, r.queue_item_id);
          const next = (get<{ n: number | null }>(`SELECT max(seq) AS n FROM run_logs WHERE run_id = ?`, r.id)!.n ?? -1) + 1;
          run(`INSERT INTO run_logs (run_id, seq, stream, text, ts) VALUES (?, ?, 'system', ?, ?)`, r.id, next,
            `[tminus] ${lost}; ${retry ? `re-queued as attempt ${r.attempt + 1}` : 'run crashed (agent_lost)'}`, now);
          out.push({ runId: r.id, agentId: r.agent_id, outcome: retry ? 'retried' : 'crashed', queueItemId: r.queue_item_id, queueId: r.queue_id });
        })();
      }
      return out;
    },
    async failStartTimeouts(startedBefore, now, message, newToken) {
      return all<{ id: string }>(
        `SELECT id FROM runs WHERE state = 'starting' AND acked_at < ?`, startedBefore,
      ).filter((r) => run(`UPDATE runs SET state = 'failed', failure = ?, finished_at = ?, fencing_token = ? WHERE id = ? AND state = 'starting'`,
        j({ stage: 'agent', reason: 'start_timeout', message }), now, newToken(), r.id).changes === 1).map((r) => r.id);
    },
    async agentRunIds(agentId, state) {
      return all<{ id: string }>(`SELECT id FROM runs WHERE agent_id = ? AND state = ?`, agentId, state).map((r) => r.id);
    },

    async createRun(r) {
      return insertRun(r);
    },
    async getRun(id) {
      const r = runById(id);
      return r && toRun(r);
    },
    async listRuns(f) {
      const cursor = f.cursor === undefined ? null : Number(f.cursor);
      const rows = all<RunRow>(
        `${RUN_SELECT} WHERE (? IS NULL OR r.entity = ?) AND (? IS NULL OR r.project = ?) AND (? IS NULL OR r.queue_id = ?)
           AND (? IS NULL OR r.state = ?) AND (? IS NULL OR r.seq < ?) ORDER BY r.seq DESC LIMIT ?`,
        f.entity ?? null, f.entity ?? null, f.project ?? null, f.project ?? null, f.queueId ?? null, f.queueId ?? null,
        f.state ?? null, f.state ?? null, cursor, cursor, f.limit + 1,
      );
      const more = rows.length > f.limit;
      const page = rows.slice(0, f.limit);
      return { items: page.map(toRun), nextCursor: more ? String(page.at(-1)!.seq) : null };
    },
    async updateRun(id, token, p) {
      const changed = run(
        `UPDATE runs SET state = coalesce(?, state), exit_code = coalesce(?, exit_code), failure = coalesce(?, failure),
           source_commit = coalesce(?, source_commit), config = coalesce(?, config), started_at = coalesce(?, started_at),
           finished_at = coalesce(?, finished_at) WHERE id = ? AND fencing_token = ?`,
        p.state ?? null, p.exitCode ?? null, p.failure ? j(p.failure) : null, p.sourceCommit ?? null,
        p.config ? j(p.config) : null, p.startedAt ?? null, p.finishedAt ?? null, id, token,
      );
      if (changed.changes === 0) {
        if (runById(id) === undefined) throw new LaunchError('NOT_FOUND', `Run ${id} not found`);
        throw staleToken(`Run ${id}`);
      }
      return toRun(runById(id)!);
    },
    async transitionRun(id, from, p) {
      const marks = from.map(() => '?').join(',');
      const changed = run(
        `UPDATE runs SET state = coalesce(?, state), failure = coalesce(?, failure), finished_at = coalesce(?, finished_at)
         WHERE id = ? AND state IN (${marks})`,
        p.state ?? null, p.failure ? j(p.failure) : null, p.finishedAt ?? null, id, ...from,
      );
      return changed.changes === 0 ? undefined : toRun(runById(id)!);
    },
    async getRunsByIds(ids) {
      return ids.map((id) => runById(id)).filter((r): r is RunRow => r !== undefined).map(toRun);
    },
    async extendRunLeases(runs, leaseExpiresAt) {
      return db.transaction(() =>
        runs.filter((r) => run(`UPDATE runs SET lease_expires_at = ? WHERE id = ? AND fencing_token = ?`, leaseExpiresAt, r.runId, r.fencingToken).changes === 1).map((r) => r.runId),
      )();
    },

    async appendLogs(runId, token, lines, now) {
      return db.transaction(() => {
        if (get(`SELECT 1 FROM runs WHERE id = ? AND fencing_token = ?`, runId, token) === undefined) {
          if (runById(runId) === undefined) throw new LaunchError('NOT_FOUND', `Run ${runId} not found`);
          throw staleToken(`Run ${runId}`);
        }
        let next = (get<{ n: number | null }>(`SELECT max(seq) AS n FROM run_logs WHERE run_id = ?`, runId)!.n ?? -1) + 1;
        for (const line of lines) run(`INSERT INTO run_logs (run_id, seq, stream, text, ts) VALUES (?, ?, ?, ?, ?)`, runId, next++, line.stream, line.text, now);
        return next;
      })();
    },
    async readLogs(runId, after, limit) {
      return all<{ seq: number; stream: LogLine['stream']; text: string; ts: number }>(
        `SELECT seq, stream, text, ts FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?`, runId, after, limit,
      ).map((r) => ({ seq: r.seq, stream: r.stream, text: r.text, ts: new Date(r.ts).toISOString() }));
    },

    async createAgent(a) {
      run(`INSERT INTO agents (id, entity, queues, hostname, status, max_jobs, running, version, config, last_heartbeat_at, created_at)
           VALUES (?, ?, ?, ?, 'polling', ?, 0, ?, ?, ?, ?)`, a.id, a.entity, j(a.queues), a.hostname, a.maxJobs, a.version, j(a.config), a.now, a.now);
      return toAgent(get<AgentRow>(`SELECT * FROM agents WHERE id = ?`, a.id)!);
    },
    async getAgent(id) {
      const r = get<AgentRow>(`SELECT * FROM agents WHERE id = ?`, id);
      return r && toAgent(r);
    },
    async listAgents(entity) {
      return all<AgentRow>(`SELECT * FROM agents WHERE entity = ? ORDER BY created_at`, entity).map(toAgent);
    },
    async heartbeatAgent(id, status, running, now) {
      run(`UPDATE agents SET status = ?, running = ?, last_heartbeat_at = ? WHERE id = ?`, status, running, now, id);
    },
  };
  return store;
}
