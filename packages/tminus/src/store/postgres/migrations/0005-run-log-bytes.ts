/** PostgreSQL migration 5: run-log-bytes. */
export const name = 'run-log-bytes';

export const sql = `ALTER TABLE runs ADD COLUMN log_bytes BIGINT NOT NULL DEFAULT 0;`;
