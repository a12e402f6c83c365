import { readFile } from 'node:fs/promises';

import type pg from 'pg';

import type { BlobStore } from '../blob-store.js';

/** Blobs in a PostgreSQL table, so every replica serves every code snapshot. */
export function createPgBlobStore(pool: pg.Pool): BlobStore {
  return {
    async put(staged) {
      await pool.query(
        'INSERT INTO blobs (digest, bytes, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [staged.digest, await readFile(staged.path), Date.now()],
      );
      return staged.digest;
    },
    async get(digest) {
      const { rows } = await pool.query<{ bytes: Buffer }>(
        'SELECT bytes FROM blobs WHERE digest = $1',
        [digest],
      );
      const bytes = rows[0]?.bytes;
      if (bytes === undefined) return undefined;
      return {
        size: bytes.byteLength,
        async *chunks() {
          yield await Promise.resolve(bytes);
        },
      };
    },
    async has(digest) {
      return (
        ((await pool.query('SELECT 1 FROM blobs WHERE digest = $1', [digest])).rowCount ?? 0) > 0
      );
    },
  };
}
