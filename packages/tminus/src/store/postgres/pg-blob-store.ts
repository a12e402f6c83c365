/**
 * @module Blobs in PostgreSQL, so every replica serves every code snapshot. A blob is a row in
 * `blobs` (digest, size) and its bytes are rows of at most 1 MiB in `blob_chunks`, written in one
 * transaction from the staged file and read back a few chunks per query: a 1 GiB snapshot never
 * sits in memory (nor in one bytea value) on either side.
 */
import { open, stat } from 'node:fs/promises';

import type pg from 'pg';

import type { BlobStore, StoredBlob } from '../blob-store.js';

/** Bytes per `blob_chunks` row. Readers go by index, so a different size later reads old rows too. */
export const BLOB_CHUNK_BYTES = 1024 ** 2;
const CHUNKS_PER_QUERY = 4;

export function createPgBlobStore(pool: pg.Pool): BlobStore {
  return {
    async put(staged) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await insertBlob(client, staged.digest, staged.path, Date.now());
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      return staged.digest;
    },
    async get(digest): Promise<StoredBlob | undefined> {
      const { rows } = await pool.query<{ size: string }>(
        'SELECT size FROM blobs WHERE digest = $1',
        [digest],
      );
      if (rows[0] === undefined) return undefined;
      return { size: Number(rows[0].size), chunks: () => readChunks(pool, digest) };
    },
    async has(digest) {
      return (
        ((await pool.query('SELECT 1 FROM blobs WHERE digest = $1', [digest])).rowCount ?? 0) > 0
      );
    },
  };
}

/**
 * Inserts the file at `path` as blob `digest`, inside the caller's transaction; false when the
 * blob exists already. The `blobs` row goes first: a concurrent insert of the same digest waits on
 * it and then finds it, instead of writing the chunks twice.
 */
export async function insertBlob(
  client: pg.ClientBase,
  digest: string,
  path: string,
  createdAt: number,
): Promise<boolean> {
  const { size } = await stat(path);
  const inserted = await client.query(
    'INSERT INTO blobs (digest, size, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [digest, size, createdAt],
  );
  if ((inserted.rowCount ?? 0) === 0) return false;
  const file = await open(path, 'r');
  try {
    for (let index = 0; ; index++) {
      const chunk = Buffer.allocUnsafe(BLOB_CHUNK_BYTES);
      let filled = 0;
      while (filled < chunk.byteLength) {
        const { bytesRead } = await file.read(chunk, filled, chunk.byteLength - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) break;
      await client.query('INSERT INTO blob_chunks (digest, idx, bytes) VALUES ($1, $2, $3)', [
        digest,
        index,
        chunk.subarray(0, filled),
      ]);
      if (filled < chunk.byteLength) break;
    }
  } finally {
    await file.close();
  }
  return true;
}

async function* readChunks(pool: pg.Pool, digest: string): AsyncGenerator<Uint8Array> {
  for (let next = 0; ;) {
    const { rows } = await pool.query<{ idx: number; bytes: Buffer }>(
      'SELECT idx, bytes FROM blob_chunks WHERE digest = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
      [digest, next, CHUNKS_PER_QUERY],
    );
    for (const row of rows) yield row.bytes;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < CHUNKS_PER_QUERY) return;
    next = last.idx + 1;
  }
}
