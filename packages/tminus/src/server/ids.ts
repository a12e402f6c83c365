import { createHash, randomBytes } from 'node:crypto';

export { newRunId } from '../core/run-id.js';

/** A prefixed random id, e.g. `qi_4f1c…` for queue items. */
export function newId(prefix: 'qi' | 'q' | 'ag' | 'key'): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

export function newFencingToken(): string {
  return randomBytes(16).toString('base64url');
}

export function newApiKey(): string {
  return `tmk_${randomBytes(24).toString('base64url')}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
