/**
 * The fuzz suite, full form: `npm run fuzz` (test/fuzz/vitest.config.ts). The short form's checks,
 * with ten thousand read-only requests and five thousand writes per store, huge values up to 2 MiB, on
 * SQLite and on PostgreSQL (a scratch database on TMINUS_TEST_DATABASE_URL's server, or the machine's
 * local one; skipped, saying so, when none answers). Prints a summary per store: requests, status
 * classes and codes, mutation kinds, time, seed.
 *
 *   TMINUS_FUZZ_SEED=<n>       replay a run (default: a new seed, printed)
 *   TMINUS_FUZZ_REQUESTS=<n>   read-only requests per store (default 10000)
 *   TMINUS_FUZZ_WRITES=<n>     writes-phase requests per store (default 5000)
 */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { adminQuery, databaseUrl, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { fuzzServer } from './fuzz-server.js';
import { randomSeed } from './prng.js';
import { failuresOf, formatResult } from './report.js';

const seed = Number(process.env.TMINUS_FUZZ_SEED ?? randomSeed());
const readOnly = Number(process.env.TMINUS_FUZZ_REQUESTS ?? 10_000);
const writes = Number(process.env.TMINUS_FUZZ_WRITES ?? 5_000);
const plan = {
  seed,
  readOnly,
  writes,
  concurrency: 4,
  scale: {
    hugeBytes: [100 * 1024, 512 * 1024, 2 * 1024 * 1024],
    hugeItems: [100_000],
    depths: [100, 1_000, 10_000],
  },
};

const dbName = `tminus_fuzz_${randomBytes(5).toString('hex')}`;

describe(`fuzzing the API from its schemas, full (seed ${seed})`, () => {
  it('on SQLite', async () => {
    const result = await fuzzServer(plan);
    console.log(formatResult(result));
    expect(failuresOf(result)).toEqual([]);
    expect(result.serverErrors).toEqual([]);
    expect(result.health).toEqual({ afterReadOnly: 200, afterWrites: 200 });
    expect(result.dataChanges).toEqual([]);
  });

  it('on PostgreSQL', async (context) => {
    if (!(await adminQuery(`CREATE DATABASE ${dbName}`))) {
      console.log(`PostgreSQL skipped: no PostgreSQL at ${TEST_DATABASE_URL}`);
      return context.skip();
    }
    try {
      const result = await fuzzServer(plan, databaseUrl(dbName));
      console.log(formatResult(result));
      expect(failuresOf(result)).toEqual([]);
      expect(result.serverErrors).toEqual([]);
      expect(result.health).toEqual({ afterReadOnly: 200, afterWrites: 200 });
      expect(result.dataChanges).toEqual([]);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName}`);
    }
  });
});
