/** `npm run bench:web`: the web UI bench (ui.bench-test.ts), with the workspace's aliases. */
import { defineConfig } from 'vitest/config';

import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['bench/web/*.bench-test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
