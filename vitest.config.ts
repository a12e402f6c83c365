import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@tminus\/sdk\/protocol$/,
        replacement: fileURLToPath(
          new URL('./packages/sdk/src/protocol/index.ts', import.meta.url),
        ),
      },
      {
        find: /^tminus\/direct$/,
        replacement: fileURLToPath(
          new URL('./packages/tminus/src/direct/index.ts', import.meta.url),
        ),
      },
      {
        find: /^@tminus\/sdk$/,
        replacement: fileURLToPath(new URL('./packages/sdk/src/node.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
