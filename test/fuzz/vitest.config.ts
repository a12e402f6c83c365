/**
 * `npm run fuzz`: the full fuzz run (full.fuzz.ts), with the workspace's aliases; `npm test` runs the
 * short form (fuzz.test.ts) instead.
 */
import { defineConfig } from 'vitest/config';

import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/fuzz/full.fuzz.ts'],
    testTimeout: 30 * 60_000,
  },
});
