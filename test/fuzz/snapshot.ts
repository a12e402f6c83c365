/**
 * @module The server's data at one moment: every table of its database (row count and a hash of its
 * rows, in any order) and every file of its blob store, read through a read-only connection. Two
 * snapshots are equal when nothing was written in between.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';

/** Table (or `files:<dir>`) → `<rows> rows, <hash>`. */
export type Snapshot = Readonly<Record<string, string>>;

function digestOf(rows: readonly unknown[]): string {
  const lines = rows.map((row) => JSON.stringify(row, replacer)).sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line).update('\n');
  return `${rows.length} rows, ${hash.digest('hex').slice(0, 16)}`;
}

/** Bytes and big numbers as text (a blob's bytes by their hash). */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return `bytes:${createHash('sha256').update(value).digest('hex')}`;
  if (isSerializedBuffer(value)) {
    return `bytes:${createHash('sha256').update(Buffer.from(value.data)).digest('hex')}`;
  }
  return value;
}

/** `JSON.stringify` calls a Buffer's `toJSON` before the replacer sees it. */
function isSerializedBuffer(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer'
  );
}

export function snapshotSqlite(file: string): Snapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      )
      .all();
    return Object.fromEntries(
      tables.map(({ name }) => [name, digestOf(db.prepare(`SELECT * FROM "${name}"`).all())]),
    );
  } finally {
    db.close();
  }
}

export async function snapshotPostgres(url: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      out[name] = digestOf((await client.query(`SELECT * FROM "${name}"`)).rows);
    }
    await client.query('COMMIT');
    return out;
  } finally {
    await client.end();
  }
}

/** Every file under `dir` (path and content hash), as one entry named `label`. */
export function snapshotFiles(dir: string, label: string): Snapshot {
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        files.push(
          `${relative(dir, path)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`,
        );
    }
  };
  if (existsSync(dir)) walk(dir);
  return { [label]: digestOf(files) };
}

/** What differs between two snapshots, one line per table. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((n) => before[n] !== after[n])
    .map((n) => `${n}: ${before[n] ?? '(none)'} → ${after[n] ?? '(none)'}`);
}
