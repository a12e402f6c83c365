/** PostgreSQL migration 9: run-dir. The run's directory on its agent's machine, kept after the run ends (agent/run-dirs.ts). */
export const name = 'run-dir';

export const sql = `ALTER TABLE runs ADD COLUMN run_dir TEXT;`;
