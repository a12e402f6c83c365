/**
 * @module Numbered PostgreSQL migrations: the SQLite schema with the dialect's types (BIGSERIAL,
 * BIGINT timestamps). JSON stays text so both adapters share one row mapping. Append only.
 */
import type { Migration } from '../sqlite/migrations.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE entities (name TEXT PRIMARY KEY, created_at BIGINT NOT NULL);
CREATE TABLE projects (entity TEXT NOT NULL, name TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (entity, name));
CREATE TABLE queues (
  id TEXT PRIMARY KEY, entity TEXT NOT NULL, name TEXT NOT NULL, resource TEXT NOT NULL,
  config TEXT NOT NULL, template_variables TEXT NOT NULL, prioritization BIGINT NOT NULL,
  max_attempts BIGINT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (entity, name));
CREATE TABLE job_versions (
  entity TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL,
  source TEXT NOT NULL, digest TEXT NOT NULL, description TEXT, created_at BIGINT NOT NULL,
  PRIMARY KEY (entity, project, name, version));
CREATE INDEX job_versions_digest ON job_versions (entity, project, name, digest);
CREATE TABLE job_aliases (
  entity TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL,
  PRIMARY KEY (entity, project, name, alias));
CREATE TABLE queue_items (
  seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, queue_id TEXT NOT NULL, state TEXT NOT NULL,
  priority BIGINT NOT NULL, spec TEXT NOT NULL, template_variables TEXT NOT NULL, project_queue TEXT NOT NULL,
  run_id TEXT, agent_id TEXT, fencing_token TEXT, lease_expires_at BIGINT, idempotency_key TEXT UNIQUE,
  error TEXT, warnings TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE INDEX queue_items_claim ON queue_items (queue_id, priority, seq) WHERE state = 'pending';
CREATE INDEX queue_items_leased ON queue_items (lease_expires_at) WHERE state = 'leased';
CREATE TABLE runs (
  seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, project TEXT NOT NULL,
  name TEXT, state TEXT NOT NULL, queue_item_id TEXT, queue_id TEXT, job TEXT, spec TEXT NOT NULL,
  config TEXT NOT NULL, exit_code BIGINT, failure TEXT, summary TEXT NOT NULL, agent_id TEXT,
  attempt BIGINT NOT NULL DEFAULT 1, source_commit TEXT, fencing_token TEXT NOT NULL, lease_expires_at BIGINT,
  created_at BIGINT NOT NULL, acked_at BIGINT, started_at BIGINT, finished_at BIGINT);
CREATE INDEX runs_entity ON runs (entity, seq);
CREATE INDEX runs_agent ON runs (agent_id, state);
CREATE INDEX runs_active_lease ON runs (lease_expires_at) WHERE state IN ('starting', 'running', 'stopping');
CREATE TABLE run_logs (run_id TEXT NOT NULL, seq BIGINT NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE agents (
  id TEXT PRIMARY KEY, entity TEXT NOT NULL, queues TEXT NOT NULL, hostname TEXT NOT NULL, status TEXT NOT NULL,
  max_jobs BIGINT NOT NULL, running BIGINT NOT NULL, version TEXT NOT NULL, config TEXT NOT NULL,
  last_heartbeat_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'blobs',
    // Code snapshots live in the database so that every replica can serve them.
    sql: `CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BYTEA NOT NULL, created_at BIGINT NOT NULL);`,
  },
  {
    version: 3,
    name: 'runs-starting-index',
    // The lease sweeper's query for runs stuck in `starting`, every second on every replica.
    sql: `CREATE INDEX runs_starting ON runs (acked_at) WHERE state = 'starting';`,
  },
  {
    version: 4,
    name: 'tenancy',
    // As SQLite's migration 3 (see its comment).
    sql: `
CREATE TABLE users (name TEXT PRIMARY KEY, admin BIGINT NOT NULL, created_at BIGINT NOT NULL);
ALTER TABLE entities ADD COLUMN kind TEXT NOT NULL DEFAULT 'team';
CREATE TABLE memberships (
  entity TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (entity, user_name));
CREATE INDEX memberships_user ON memberships (user_name);
ALTER TABLE api_keys ADD COLUMN user_name TEXT NOT NULL DEFAULT '',
  ADD COLUMN kind TEXT NOT NULL DEFAULT 'user', ADD COLUMN queues TEXT,
  ADD COLUMN prefix TEXT NOT NULL DEFAULT '', ADD COLUMN revoked_at BIGINT;
CREATE INDEX api_keys_user ON api_keys (user_name);
ALTER TABLE queue_items ADD COLUMN created_by TEXT;
ALTER TABLE runs ADD COLUMN created_by TEXT;
CREATE TABLE blob_refs (digest TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (digest, entity));
INSERT INTO users (name, admin, created_at) SELECT entity, 1, min(created_at) FROM api_keys GROUP BY entity;
INSERT INTO entities (name, created_at) SELECT name, created_at FROM users ON CONFLICT DO NOTHING;
UPDATE entities SET kind = 'user' WHERE name IN (SELECT name FROM users);
INSERT INTO memberships (entity, user_name, role, created_at) SELECT name, name, 'admin', created_at FROM users;
UPDATE api_keys SET user_name = entity;
INSERT INTO blob_refs (digest, entity)
  SELECT DISTINCT source::json->>'digest', entity FROM job_versions WHERE source::json->>'type' = 'code'
  ON CONFLICT DO NOTHING;
`,
  },
  {
    version: 5,
    name: 'run-log-bytes',
    sql: `ALTER TABLE runs ADD COLUMN log_bytes BIGINT NOT NULL DEFAULT 0;`,
  },
  {
    version: 6,
    name: 'blob-chunks',
    // Blobs in rows of at most 1 MiB, so that neither side holds a large snapshot in one piece.
    // Snapshots are gzipped: store the chunks uncompressed (no futile compression attempt).
    sql: `
CREATE TABLE blob_chunks (digest TEXT NOT NULL, idx INTEGER NOT NULL, bytes BYTEA NOT NULL, PRIMARY KEY (digest, idx));
ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
INSERT INTO blob_chunks (digest, idx, bytes)
  SELECT digest, i, substring(bytes FROM i * 1048576 + 1 FOR 1048576)
  FROM blobs, generate_series(0, (length(bytes) + 1048575) / 1048576 - 1) AS i;
ALTER TABLE blobs ADD COLUMN size BIGINT;
UPDATE blobs SET size = length(bytes);
ALTER TABLE blobs ALTER COLUMN size SET NOT NULL, DROP COLUMN bytes;
`,
  },
  {
    version: 7,
    name: 'run-metrics',
    // As SQLite's migration 5: the same table and columns, so copy-to-postgres copies rows as they are.
    sql: `
CREATE TABLE run_metrics (run_id TEXT NOT NULL, seq BIGINT NOT NULL, step BIGINT NOT NULL, ts BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
ALTER TABLE runs ADD COLUMN metric_values BIGINT NOT NULL DEFAULT 0;
`,
  },
  {
    version: 8,
    name: 'run-log-lines-received',
    // The fencing token whose agent's lines are counted, and how many it sent (store/log-resume.ts).
    sql: `ALTER TABLE runs ADD COLUMN log_token TEXT, ADD COLUMN log_lines BIGINT NOT NULL DEFAULT 0;`,
  },
  {
    version: 9,
    name: 'run-dir',
    // The run's directory on its agent's machine, kept after the run ends (agent/run-dirs.ts).
    sql: `ALTER TABLE runs ADD COLUMN run_dir TEXT;`,
  },
  {
    // As SQLite's migration 8.
    version: 10,
    name: 'run-waiting',
    sql: `ALTER TABLE runs ADD COLUMN waiting TEXT, ADD COLUMN waiting_attempt INTEGER;`,
  },
];
