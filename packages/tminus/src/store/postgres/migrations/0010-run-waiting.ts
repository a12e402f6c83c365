/** PostgreSQL migration 10: run-waiting. As SQLite's migration 8. */
export const name = 'run-waiting';

export const sql = `ALTER TABLE runs ADD COLUMN waiting TEXT, ADD COLUMN waiting_attempt INTEGER;`;
