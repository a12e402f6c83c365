/** PostgreSQL migration 3: runs-starting-index. The lease sweeper's query for runs stuck in `starting`, every second on every replica. */
export const name = 'runs-starting-index';

export const sql = `CREATE INDEX runs_starting ON runs (acked_at) WHERE state = 'starting';`;
