/** SQLite migration 4: run-log-bytes. Bytes of log text kept per run, against the server's per-run log limit. */
export const name = 'run-log-bytes';

export const sql = `ALTER TABLE runs ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;`;
