import { createHash } from 'node:crypto';

import type pg from 'pg';

import type { BlobStore } from '../blob-store.js';

/** Blobs in a PostgreSQL table, so every replica serves every code snapshot. */
export function createPgBlobStore(pool: pg.Pool): BlobStore {
  return {
    async put(bytes) {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      await pool.query(
        'INSERT INTO blobs (digest, bytes, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [digest, Buffer.from(bytes), Date.now()],
      );
      return digest;
    },
    async get(digest) {
      const { rows } = await pool.query<{ bytes: Buffer }>(
        'SELECT bytes FROM blobs WHERE digest = $1',
        [digest],
      );
      return rows[0] === undefined ? undefined : new Uint8Array(rows[0].bytes);
    },
    async has(digest) {
      return (
        ((await pool.query('SELECT 1 FROM blobs WHERE digest = $1', [digest])).rowCount ?? 0) > 0
      );
    },
  };
}
