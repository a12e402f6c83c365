/**
 * @module Numbered SQLite migrations and their runner. Append only: never edit a migration that has
 * shipped (installed databases have it recorded in `schema_migrations` and will not run it again).
 */
import { LaunchError } from '@tminus/sdk';
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE entities (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE projects (entity TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (entity, name));
CREATE TABLE queues (
  id TEXT PRIMARY KEY, entity TEXT NOT NULL, name TEXT NOT NULL, resource TEXT NOT NULL,
  config TEXT NOT NULL, template_variables TEXT NOT NULL, prioritization INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, UNIQUE (entity, name));
CREATE TABLE job_versions (
  entity TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  source TEXT NOT NULL, digest TEXT NOT NULL, description TEXT, created_at INTEGER NOT NULL,
  PRIMARY KEY (entity, project, name, version));
CREATE INDEX job_versions_digest ON job_versions (entity, project, name, digest);
CREATE TABLE job_aliases (
  entity TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (entity, project, name, alias));
CREATE TABLE queue_items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, queue_id TEXT NOT NULL, state TEXT NOT NULL,
  priority INTEGER NOT NULL, spec TEXT NOT NULL, template_variables TEXT NOT NULL, project_queue TEXT NOT NULL,
  run_id TEXT, agent_id TEXT, fencing_token TEXT, lease_expires_at INTEGER, idempotency_key TEXT UNIQUE,
  error TEXT, warnings TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX queue_items_claim ON queue_items (queue_id, priority, seq) WHERE state = 'pending';
CREATE INDEX queue_items_leased ON queue_items (lease_expires_at) WHERE state = 'leased';
CREATE TABLE runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, project TEXT NOT NULL,
  name TEXT, state TEXT NOT NULL, queue_item_id TEXT, queue_id TEXT, job TEXT, spec TEXT NOT NULL,
  config TEXT NOT NULL, exit_code INTEGER, failure TEXT, summary TEXT NOT NULL, agent_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 1, source_commit TEXT, fencing_token TEXT NOT NULL, lease_expires_at INTEGER,
  created_at INTEGER NOT NULL, acked_at INTEGER, started_at INTEGER, finished_at INTEGER);
CREATE INDEX runs_entity ON runs (entity, seq);
CREATE INDEX runs_agent ON runs (agent_id, state);
CREATE INDEX runs_active_lease ON runs (lease_expires_at) WHERE state IN ('starting', 'running', 'stopping');
CREATE TABLE run_logs (run_id TEXT NOT NULL, seq INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
CREATE TABLE agents (
  id TEXT PRIMARY KEY, entity TEXT NOT NULL, queues TEXT NOT NULL, hostname TEXT NOT NULL, status TEXT NOT NULL,
  max_jobs INTEGER NOT NULL, running INTEGER NOT NULL, version TEXT NOT NULL, config TEXT NOT NULL,
  last_heartbeat_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
`,
  },
  {
    version: 2,
    name: 'runs-starting-index',
    // The lease sweeper looks for runs stuck in `starting` every second; without this it scanned
    // every run ever recorded (171 ms at 1,000,000 runs).
    sql: `CREATE INDEX runs_starting ON runs (acked_at) WHERE state = 'starting';`,
  },
  {
    version: 3,
    name: 'tenancy',
    // Users, team memberships, scoped and revocable keys, who launched what, and which entities may
    // read which code snapshot. Keys from before users existed could do anything: each key's entity
    // becomes a user who is a server admin (nothing they could do is taken away by the upgrade).
    sql: `
CREATE TABLE users (name TEXT PRIMARY KEY, admin INTEGER NOT NULL, created_at INTEGER NOT NULL);
ALTER TABLE entities ADD COLUMN kind TEXT NOT NULL DEFAULT 'team';
CREATE TABLE memberships (
  entity TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (entity, user_name));
CREATE INDEX memberships_user ON memberships (user_name);
ALTER TABLE api_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'user';
ALTER TABLE api_keys ADD COLUMN queues TEXT;
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER;
CREATE INDEX api_keys_user ON api_keys (user_name);
ALTER TABLE queue_items ADD COLUMN created_by TEXT;
ALTER TABLE runs ADD COLUMN created_by TEXT;
CREATE TABLE blob_refs (digest TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (digest, entity));
INSERT INTO users (name, admin, created_at) SELECT entity, 1, min(created_at) FROM api_keys GROUP BY entity;
INSERT OR IGNORE INTO entities (name, created_at) SELECT name, created_at FROM users;
UPDATE entities SET kind = 'user' WHERE name IN (SELECT name FROM users);
INSERT INTO memberships (entity, user_name, role, created_at) SELECT name, name, 'admin', created_at FROM users;
UPDATE api_keys SET user_name = entity;
INSERT OR IGNORE INTO blob_refs (digest, entity)
  SELECT DISTINCT json_extract(source, '$.digest'), entity FROM job_versions WHERE json_extract(source, '$.type') = 'code';
`,
  },
  {
    version: 4,
    name: 'run-log-bytes',
    // Bytes of log text kept per run, against the server's per-run log limit.
    sql: `ALTER TABLE runs ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 5,
    name: 'run-metrics',
    // Metric points a run's program logs (one row per `log` call; `data` is the JSON of its values)
    // and how many values each run keeps against the server's per-run limit.
    sql: `
CREATE TABLE run_metrics (run_id TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN metric_values INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 6,
    name: 'run-log-lines-received',
    // The fencing token whose agent's lines are counted, and how many it sent (store/log-resume.ts).
    sql: `ALTER TABLE runs ADD COLUMN log_token TEXT;
ALTER TABLE runs ADD COLUMN log_lines INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 7,
    name: 'run-dir',
    // The run's directory on its agent's machine, kept after the run ends (agent/run-dirs.ts).
    sql: `ALTER TABLE runs ADD COLUMN run_dir TEXT;`,
  },
  {
    version: 8,
    name: 'run-waiting',
    // Why the engine (a Slurm queue) holds a starting run back, and the attempt it was said for.
    sql: `ALTER TABLE runs ADD COLUMN waiting TEXT;
ALTER TABLE runs ADD COLUMN waiting_attempt INTEGER;`,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
 * Idempotent, and safe when two processes open the same file at once: each migration is re-checked
 * under the write lock (`BEGIN IMMEDIATE`) before it runs.
 */
export function applySqliteMigrations(db: Database.Database, now: number): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  const newest =
    (db.prepare(`SELECT max(version) AS v FROM schema_migrations`).get() as { v: number | null })
      .v ?? 0;
  const known = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
  if (newest > known) {
    throw new LaunchError(
      'CONFLICT',
      `This database is at schema version ${newest}, newer than this tminus knows (${known})`,
      {
        hint: 'Upgrade tminus, or point it at another data directory.',
      },
    );
  }
  const isApplied = db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`);
  const record = db.prepare(
    `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
  );
  for (const m of SQLITE_MIGRATIONS) {
    db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return;
      db.exec(m.sql);
      record.run(m.version, m.name, now);
    }).immediate();
  }
}
