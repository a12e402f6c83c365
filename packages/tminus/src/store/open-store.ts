/**
 * @module Which store a server or an operator command opens, decided in one place: PostgreSQL when a
 * `postgres://` URL is given, else the embedded SQLite file in the data dir (created private).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { LaunchError } from '@tminus/sdk';

import { createPrivateFile } from '../lib/private-files.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The SQLite database in a data dir. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, 'tminus.db');
}

export interface StoreLocation {
  /** `postgres://…` (or `postgresql://…`); absent: SQLite in `dataDir`. */
  readonly database?: string | undefined;
  readonly dataDir: string;
  /** Connections in the PostgreSQL pool. */
  readonly max?: number;
}

export async function openStore(location: StoreLocation): Promise<{ store: Store; where: string }> {
  const { database } = location;
  if (database) {
    if (!/^postgres(ql)?:\/\//.test(database)) {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `--database must be a postgres:// URL, not "${database}"`,
        {
          hint: 'Omit it to use the embedded SQLite database in the data dir.',
        },
      );
    }
    return {
      store: await openPostgresStore({
        connectionString: database,
        ...(location.max === undefined ? {} : { max: location.max }),
      }),
      where: database.replace(/\/\/[^@/]*@/, '//***@'),
    };
  }
  mkdirSync(location.dataDir, { recursive: true, mode: 0o700 });
  const path = sqlitePath(location.dataDir);
  // A database made here is private from its first byte (SQLite's -wal/-shm follow it).
  createPrivateFile(path);
  return { store: await openSqliteStore({ path }), where: path };
}
