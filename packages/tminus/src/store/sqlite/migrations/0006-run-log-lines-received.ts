/** SQLite migration 6: run-log-lines-received. The fencing token whose agent's lines are counted, and how many it sent (store/log-resume.ts). */
export const name = 'run-log-lines-received';

export const sql = `ALTER TABLE runs ADD COLUMN log_token TEXT;
ALTER TABLE runs ADD COLUMN log_lines INTEGER NOT NULL DEFAULT 0;`;
