/**
 * SQLite migration 9: run-transitions. Every change of a run's state, recorded by the database itself
 * (a trigger), so that no code path that moves a run — an agent's report, a user's cancel, the lease
 * sweeper, a requeue — can forget to write its history.
 */
export const name = 'run-transitions';

export const sql = `CREATE TABLE run_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at INTEGER NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, attempt INTEGER NOT NULL);
CREATE INDEX run_transitions_run ON run_transitions (run_id, seq);
CREATE TRIGGER runs_state_history AFTER UPDATE OF state ON runs WHEN old.state IS NOT new.state
BEGIN
  INSERT INTO run_transitions (run_id, at, from_state, to_state, attempt)
  VALUES (new.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), old.state, new.state, new.attempt);
END;`;
