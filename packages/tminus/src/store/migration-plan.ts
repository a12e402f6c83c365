/**
 * @module Which migrations a database needs (pure, shared by the store adapters), and the one guard
 * both apply first: a database that has a migration this code does not know was written by a newer
 * tminus, and is refused rather than used with a schema the code cannot read.
 */
import { LaunchError } from '@tminus/sdk';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** A dialect's migrations numbered by their place in the list, from 1. */
export function numbered(
  list: readonly { readonly name: string; readonly sql: string }[],
): readonly Migration[] {
  return list.map((migration, index) => ({
    version: index + 1,
    name: migration.name,
    sql: migration.sql,
  }));
}

/**
 * The migrations not applied yet, in order. Throws `CONFLICT` when the database has a version above
 * the newest this code knows. `database` says what to point tminus at instead (a data directory, a
 * database URL).
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: readonly number[],
  database: string,
): Migration[] {
  const newest = Math.max(0, ...applied);
  const known = migrations.at(-1)?.version ?? 0;
  if (newest > known) {
    throw new LaunchError(
      'CONFLICT',
      `This database is at schema version ${newest}, newer than this tminus knows (${known})`,
      { hint: `Upgrade tminus, or point it at another ${database}.` },
    );
  }
  const done = new Set(applied);
  return migrations.filter((migration) => !done.has(migration.version));
}
