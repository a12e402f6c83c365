/**
 * @module One-shot copy of a SQLite install (database + blob files) into an empty PostgreSQL database,
 * for users who outgrow one machine. The two schemas have the same tables and columns, so rows are
 * copied as they are; sequences are moved past the copied rows; blob files go into the `blobs` and
 * `blob_chunks` tables, read a chunk at a time.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { LaunchError } from '@tminus/sdk';
import Database from 'better-sqlite3';
import pg from 'pg';

import { insertBlob } from './postgres/pg-blob-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { sqlitePath } from './open-store.js';

/** Parents before children; `run_logs` and `run_metrics` last, they are the largest. */
const TABLES = [
  'users',
  'api_keys',
  'entities',
  'memberships',
  'blob_refs',
  'projects',
  'queues',
  'job_versions',
  'job_aliases',
  'agents',
  'queue_items',
  'runs',
  'run_transitions',
  'run_logs',
  'run_metrics',
] as const;
const SERIAL = { queue_items: 'seq', runs: 'seq', run_transitions: 'seq' } as const;

export interface CopyReport {
  readonly tables: Record<string, number>;
  readonly blobs: number;
}

export async function copySqliteToPostgres(
  dataDir: string,
  databaseUrl: string,
  progress: (line: string) => void = () => undefined,
): Promise<CopyReport> {
  // Both schemas at their latest version first.
  const source = await openSqliteStore({ path: sqlitePath(dataDir) });
  await source.migrate();
  await source.close();
  const target = await openPostgresStore({ connectionString: databaseUrl, max: 1 });
  await target.migrate();
  await target.close();

  const db = new Database(sqlitePath(dataDir), { readonly: true });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const tables: Record<string, number> = {};
  let blobs = 0;
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
    if ((rows[0]?.n ?? 0) > 0) {
      throw new LaunchError(
        'CONFLICT',
        'The target PostgreSQL database is not empty (it has API keys)',
        { hint: 'Copy into a fresh database.' },
      );
    }
    await client.query('BEGIN');
    for (const table of TABLES) {
      const all = db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
      for (let i = 0; i < all.length; i += 500) {
        const batch = all.slice(i, i + 500);
        const columns = Object.keys(batch[0]!);
        const values: unknown[] = [];
        const tuples = batch.map(
          (row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`,
        );
        await client.query(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
          values,
        );
      }
      tables[table] = all.length;
      progress(`${table}: ${all.length} rows`);
    }
    for (const [table, column] of Object.entries(SERIAL)) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), coalesce((SELECT max(${column}) FROM ${table}), 0) + 1, false)`,
      );
    }
    const blobDir = join(dataDir, 'blobs', 'sha256');
    let names: string[] = [];
    try {
      names = readdirSync(blobDir).filter((n) => /^[0-9a-f]{64}$/.test(n));
    } catch {
      // No blobs yet.
    }
    for (const name of names) {
      await insertBlob(client, `sha256:${name}`, join(blobDir, name), Date.now());
      blobs++;
    }
    progress(`blobs: ${blobs}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    db.close();
    await client.end();
  }
  return { tables, blobs };
}
