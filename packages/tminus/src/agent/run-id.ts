import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** W&B's run id shape: 8 characters of `[a-z0-9]`. */
export function newLocalRunId(): string {
  let id = '';
  for (const byte of randomBytes(8)) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
