import { createHash, randomBytes } from 'node:crypto';

export { newRunId } from '../core/run-id.js';

/**
 * Random bytes are drawn from a pooled buffer: one `randomBytes` call per 4 KiB instead of one per id
 * (a batch enqueue makes thousands of ids, and the per-call cost showed in its profile).
 */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let offset = 0;

function randomSlice(bytes: number): Buffer {
  if (offset + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += bytes;
  return pool.subarray(offset - bytes, offset);
}

/**
 * A prefixed id that sorts by creation time, e.g. `qi_mhz8w2k1c4f0a9e7b3d1`: the millisecond in
 * base 36, then 48 random bits. Time first keeps new rows at the end of the unique index instead of
 * at random places (inserts into a deep queue stay as cheap as into an empty one).
 */
export function newId(prefix: 'qi' | 'q' | 'ag' | 'key'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomSlice(6).toString('hex')}`;
}

export function newFencingToken(): string {
  return randomSlice(16).toString('base64url');
}

/** `tmk_…` for a user key, `tma_…` for an agent key (so a key in a log says what it can do). */
export function newApiKey(kind: 'user' | 'agent' = 'user'): string {
  return `${kind === 'user' ? 'tmk' : 'tma'}_${randomBytes(24).toString('base64url')}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
