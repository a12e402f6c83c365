/** SQLite migration 5: run-metrics. Metric points a run's program logs (one row per `log` call; `data` is the JSON of its values) and how many values each run keeps against the server's per-run limit. */
export const name = 'run-metrics';

export const sql = `
CREATE TABLE run_metrics (run_id TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN metric_values INTEGER NOT NULL DEFAULT 0;
`;
