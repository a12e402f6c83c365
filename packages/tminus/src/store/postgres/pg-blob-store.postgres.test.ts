/**
 * Blobs in a real PostgreSQL (`TMINUS_TEST_DATABASE_URL`, else 127.0.0.1:5432): stored from a staged
 * file in rows of at most 1 MiB, read back chunk by chunk, idempotent under concurrent puts, and
 * blobs stored whole before the blob-chunks migration (6) still readable after it. Skipped, saying so, when no server
 * answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import {
  postgresAvailable,
  TEST_DATABASE_URL as url,
} from '../../../../../test/helpers/postgres.js';

import type { StoredBlob } from '../blob-store.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { BLOB_CHUNK_BYTES } from './pg-blob-store.js';
import { openPostgresStore } from './postgres-store.js';

const available = await postgresAvailable();
const schemas: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tminus-pg-blobs-'));

/** A client on a fresh schema (dropped after the tests). */
async function freshSchema(): Promise<{ schema: string; client: pg.Client }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  schemas.push(schema);
  return { schema, client };
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!available) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

function stage(bytes: Buffer) {
  const path = join(dir, randomBytes(6).toString('hex'));
  writeFileSync(path, bytes);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { path, digest, size: bytes.length };
}

async function read(blob: StoredBlob | undefined): Promise<{ bytes: Buffer; chunks: number[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of blob!.chunks()) chunks.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(chunks), chunks: chunks.map((c) => c.length) };
}

describe.skipIf(!available)(
  `PostgreSQL blob store${available ? '' : ` — skipped: no PostgreSQL at ${url}`}`,
  () => {
    it('stores a staged file in rows of at most 1 MiB and streams it back; puts are idempotent', async () => {
      const { schema, client } = await freshSchema();
      const store = await openPostgresStore({ connectionString: url, schema, max: 4 });
      try {
        await store.migrate();
        const bytes = randomBytes(2 * BLOB_CHUNK_BYTES + 12_345);
        const staged = stage(bytes);
        // Two replicas receiving the same snapshot at once.
        const digests = await Promise.all([store.blobs!.put(staged), store.blobs!.put(staged)]);
        expect(digests).toEqual([staged.digest, staged.digest]);
        expect(await store.blobs!.put(staged)).toBe(staged.digest);
        const { rows } = await client.query<{ idx: number; n: number }>(
          'SELECT idx, length(bytes) AS n FROM blob_chunks WHERE digest = $1 ORDER BY idx',
          [staged.digest],
        );
        expect(rows).toEqual([
          { idx: 0, n: BLOB_CHUNK_BYTES },
          { idx: 1, n: BLOB_CHUNK_BYTES },
          { idx: 2, n: 12_345 },
        ]);
        const blob = await store.blobs!.get(staged.digest);
        expect(blob?.size).toBe(bytes.length);
        const back = await read(blob);
        expect(back.bytes.equals(bytes)).toBe(true);
        expect(Math.max(...back.chunks)).toBeLessThanOrEqual(BLOB_CHUNK_BYTES);
        expect(await store.blobs!.has(staged.digest)).toBe(true);

        const empty = stage(Buffer.alloc(0));
        await store.blobs!.put(empty);
        const none = await store.blobs!.get(empty.digest);
        expect(none?.size).toBe(0);
        expect((await read(none)).bytes.length).toBe(0);
        expect(await store.blobs!.get(`sha256:${'0'.repeat(64)}`)).toBeUndefined();
      } finally {
        await store.close();
        await client.end();
      }
    });

    it('the blob-chunks migration moves blobs stored whole into chunks', async () => {
      const { schema, client } = await freshSchema();
      // The schema as version 3 left it, with a blob in the old `blobs.bytes` column.
      await client.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      for (const m of POSTGRES_MIGRATIONS.filter((m) => m.version <= 3)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
      }
      const old = randomBytes(BLOB_CHUNK_BYTES + 1);
      const { digest } = stage(old);
      await client.query('INSERT INTO blobs (digest, bytes, created_at) VALUES ($1, $2, 0)', [
        digest,
        old,
      ]);
      const store = await openPostgresStore({ connectionString: url, schema, max: 2 });
      try {
        await store.migrate();
        const blob = await store.blobs!.get(digest);
        expect(blob?.size).toBe(old.length);
        const back = await read(blob);
        expect(back.chunks).toEqual([BLOB_CHUNK_BYTES, 1]);
        expect(back.bytes.equals(old)).toBe(true);
      } finally {
        await store.close();
        await client.end();
      }
    });
  },
);
