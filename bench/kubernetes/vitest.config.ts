/** `npm run bench:kubernetes`: the Kubernetes scale bench (scale.bench-test.ts), with the workspace's aliases. */
import { defineConfig } from 'vitest/config';

import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['bench/kubernetes/*.bench-test.ts'],
    testTimeout: 10 * 60_000,
    // The heap is read after a collection, not whenever the last one happened to run.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
