/**
 * The fuzz suite, short form (the full one: `npm run fuzz`): a few thousand requests made from the
 * route table's schemas — wrong types, missing and unknown fields, huge and deep values, bytes that
 * are not UTF-8 in bodies, paths and query strings, broken JSON, bodies on reads, duplicated query
 * keys, odd headers — sent over HTTP to a server holding a team's world, with credentials from server
 * admin to none. No answer may be a 5xx; each must be the status the route's schemas call for, in the
 * error shape or the response schema. After the read-only phase the server must answer and hold
 * exactly the data it held before; after the writes phase it must still answer. A failure prints the
 * seed and the request; TMINUS_FUZZ_SEED=<seed> replays the run.
 */
import { describe, expect, it } from 'vitest';

import { fuzzServer } from './fuzz-server.js';
import { randomSeed } from './prng.js';
import { failuresOf } from './report.js';

const seed = Number(process.env.TMINUS_FUZZ_SEED ?? randomSeed());
const READ_ONLY = 2_500;
const WRITES = 1_000;

describe(`fuzzing the API from its schemas (seed ${seed})`, () => {
  it(`${READ_ONLY + WRITES} hostile requests: no 5xx, the expected refusals, the data unchanged`, async () => {
    const result = await fuzzServer({
      seed,
      readOnly: READ_ONLY,
      writes: WRITES,
      concurrency: 4,
      scale: {
        hugeBytes: [100 * 1024, 256 * 1024],
        hugeItems: [100_000],
        depths: [100, 1_000, 10_000],
      },
    });
    expect(failuresOf(result)).toEqual([]);
    expect(result.serverErrors).toEqual([]);
    const { readOnly, writes } = result;
    expect(readOnly.requests + writes.requests).toBe(READ_ONLY + WRITES);
    expect([readOnly.byClass['5xx'], writes.byClass['5xx']]).toEqual([undefined, undefined]);
    // Both kinds of request were sent: ones the schemas refuse, and ones they accept.
    expect(readOnly.byVerdict.invalid).toBeGreaterThan(READ_ONLY / 4);
    expect(readOnly.byVerdict.valid).toBeGreaterThan(READ_ONLY / 4);
    expect(result.health).toEqual({ afterReadOnly: 200, afterWrites: 200 });
    expect(result.dataChanges).toEqual([]);
  }, 180_000);
});
