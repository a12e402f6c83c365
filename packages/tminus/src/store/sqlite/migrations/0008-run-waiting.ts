/** SQLite migration 8: run-waiting. Why the engine (a Slurm queue) holds a starting run back, and the attempt it was said for. */
export const name = 'run-waiting';

export const sql = `ALTER TABLE runs ADD COLUMN waiting TEXT;
ALTER TABLE runs ADD COLUMN waiting_attempt INTEGER;`;
