/** PostgreSQL migration 7: run-metrics. As SQLite's migration 5: the same table and columns, so copy-to-postgres copies rows as they are. */
export const name = 'run-metrics';

export const sql = `
CREATE TABLE run_metrics (run_id TEXT NOT NULL, seq BIGINT NOT NULL, step BIGINT NOT NULL, ts BIGINT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
ALTER TABLE runs ADD COLUMN metric_values BIGINT NOT NULL DEFAULT 0;
`;
