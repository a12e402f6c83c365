/**
 * @module The SQLite migration runner: the list is migration-list.ts (one file per migration under
 * `migrations/`); the guard against a newer database is migration-plan.ts, shared with PostgreSQL.
 */
import type Database from 'better-sqlite3';

import { pendingMigrations } from '../migration-plan.js';
import { SQLITE_MIGRATIONS } from './migration-list.js';

export { SQLITE_MIGRATIONS };

/** Params: none. */
const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
  (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`;
/** Params: version, name, applied at. */
const RECORD = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`;
/** Params: version. */
const IS_APPLIED = `SELECT 1 FROM schema_migrations WHERE version = ?`;

export function applySqliteMigrations(db: Database.Database, now: number): void {
  db.exec(CREATE_LEDGER);
  const applied = db.prepare(`SELECT version FROM schema_migrations`).all() as {
    version: number;
  }[];
  const pending = pendingMigrations(
    SQLITE_MIGRATIONS,
    applied.map((row) => row.version),
    'data directory',
  );
  const isApplied = db.prepare(IS_APPLIED);
  const record = db.prepare(RECORD);
  for (const migration of pending) {
    // Another process may have applied it meanwhile: checked again under the write lock.
    db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
    }).immediate();
  }
}
