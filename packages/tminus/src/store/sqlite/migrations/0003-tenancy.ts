/** SQLite migration 3: tenancy. Users, team memberships, scoped and revocable keys, who launched what, and which entities may read which code snapshot. Keys from before users existed could do anything: each key's entity becomes a user who is a server admin (nothing they could do is taken away by the upgrade). */
export const name = 'tenancy';

export const sql = `
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
`;
