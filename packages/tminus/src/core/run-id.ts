const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** W&B's run id shape: 8 characters of `[a-z0-9]` (Web Crypto: no Node import, so core stays pure of I/O modules). */
export function newRunId(): string {
  let id = '';
  for (const byte of crypto.getRandomValues(new Uint8Array(8)))
    id += ALPHABET[byte % ALPHABET.length];
  return id;
}
