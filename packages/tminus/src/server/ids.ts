import { createHash, randomBytes } from 'node:crypto';

const RUN_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** W&B's run id shape: 8 characters of `[a-z0-9]`. */
export function newRunId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (const byte of bytes) id += RUN_ID_ALPHABET[byte % RUN_ID_ALPHABET.length];
  return id;
}

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
