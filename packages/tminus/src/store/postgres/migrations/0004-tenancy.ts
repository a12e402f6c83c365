/** PostgreSQL migration 4: tenancy. As SQLite's migration 3 (see its comment). */
export const name = 'tenancy';

export const sql = `
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
`;
