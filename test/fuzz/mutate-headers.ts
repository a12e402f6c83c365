/**
 * @module Mutations of the headers the server reads besides the credential: `Idempotency-Key` (stored
 * with a queued run) of every length and odd characters, and headers a browser or a proxy adds.
 */
import type { Change } from './change.js';
import type { Rng } from './prng.js';
import type { Seed } from './seed.js';

export function oddHeader(seed: Seed, rng: Rng): Change {
  const [name, value] = rng.pick<readonly [string, string]>([
    ['idempotency-key', ''],
    ['idempotency-key', '0192f5a8-7c1e-7d3a-9b2e-4f6a8c0d1e2f'],
    ['idempotency-key', 'k'.repeat(255)],
    ['idempotency-key', 'k'.repeat(256)],
    ['idempotency-key', randomText(rng, 3_000)],
    ['idempotency-key', randomText(rng, 12_000)],
    ['idempotency-key', '\u00e9\u00ff\u00a0 \t!'],
    ['accept', 'text/html'],
    ['accept-encoding', 'gzip, br'],
    ['x-forwarded-for', '127.0.0.1, ::1, <script>'],
    ['origin', 'https://evil.example'],
  ]);
  return {
    where: `${name}: ${value.length > 40 ? `(${value.length} characters)` : value}`,
    parts: { ...seed.parts, headers: { ...seed.parts.headers, [name]: value } },
  };
}

/** Printable ASCII that does not compress (a store may keep it in an index). */
function randomText(rng: Rng, length: number): string {
  return Array.from({ length }, () => String.fromCharCode(rng.int(0x21, 0x7e))).join('');
}
