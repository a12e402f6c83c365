/** PostgreSQL migration 1: init. */
export const name = 'init';

export const sql = `
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
`;
