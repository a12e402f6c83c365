/** PostgreSQL migration 2: blobs. Code snapshots live in the database so that every replica can serve them. */
export const name = 'blobs';

export const sql = `CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BYTEA NOT NULL, created_at BIGINT NOT NULL);`;
