/**
 * @module The PostgreSQL migration runner: the list is migration-list.ts (one file per migration
 * under `migrations/`: the SQLite schema with the dialect's types, JSON kept as text so both adapters
 * share one row mapping); the guard against a newer database is migration-plan.ts, shared with SQLite.
 */
import type pg from 'pg';

import { pendingMigrations } from '../migration-plan.js';
import { POSTGRES_MIGRATIONS } from './migration-list.js';

export { POSTGRES_MIGRATIONS };

/** Replicas starting together: the second waits on this lock, then finds the migrations applied. */
const MIGRATION_LOCK = 7_447_001;
/** Params: none. */
const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
  (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
/** Params: version, name, applied at. */
const RECORD = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`;

/** Applies pending migrations inside the caller's transaction on `client`. */
export async function applyPostgresMigrations(client: pg.PoolClient, now: number): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await client.query(CREATE_LEDGER);
  const applied = await client.query<{ version: number }>(`SELECT version FROM schema_migrations`);
  const pending = pendingMigrations(
    POSTGRES_MIGRATIONS,
    applied.rows.map((row) => row.version),
    'database (--database / TMINUS_DATABASE_URL)',
  );
  for (const migration of pending) {
    await client.query(migration.sql);
    await client.query(RECORD, [migration.version, migration.name, now]);
  }
}
