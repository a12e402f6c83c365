import { describe, expect, it } from 'vitest';

import { newIdempotencyKey } from './idempotency-key.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newIdempotencyKey (UUIDv7)', () => {
  it('is a version 7, variant 10 UUID whose first 48 bits are the millisecond', () => {
    const key = newIdempotencyKey(0x0193_a1b2_c3d4);
    expect(key).toMatch(UUID_V7);
    expect(key.startsWith('0193a1b2-c3d4-7')).toBe(true);
  });

  it('sorts by time, so that the server inserts it at the end of its index', () => {
    const earlier = Array.from({ length: 100 }, () => newIdempotencyKey(1_700_000_000_000));
    const later = Array.from({ length: 100 }, () => newIdempotencyKey(1_700_000_000_001));
    expect(earlier.every((a) => later.every((b) => a < b))).toBe(true);
  });

  it('is unique within one millisecond (74 random bits), across many pool refills', () => {
    const keys = Array.from({ length: 20_000 }, () => newIdempotencyKey(1_700_000_000_000));
    expect(keys.every((k) => UUID_V7.test(k))).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
