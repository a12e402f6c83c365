/** PostgreSQL migration 11: run-transitions. As SQLite's migration 9 (a trigger records every state change). */
export const name = 'run-transitions';

export const sql = `CREATE TABLE run_transitions (
  seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, at BIGINT NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, attempt BIGINT NOT NULL);
CREATE INDEX run_transitions_run ON run_transitions (run_id, seq);
CREATE FUNCTION record_run_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_transitions (run_id, at, from_state, to_state, attempt)
  VALUES (NEW.id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, OLD.state, NEW.state, NEW.attempt);
  RETURN NULL;
END $$;
CREATE TRIGGER runs_state_history AFTER UPDATE OF state ON runs FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION record_run_transition();`;
