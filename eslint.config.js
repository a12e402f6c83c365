// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'examples/**',
      'bench/results/**',
      'eslint.config.js',
      'packages/*/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The SDK is isomorphic: browsers and the web UI import it.
    files: ['packages/sdk/src/**/*.ts'],
    // The Node entry and the modules only it imports may use Node built-ins.
    ignores: [
      'packages/sdk/src/node.ts',
      'packages/sdk/src/cli-config.ts',
      'packages/sdk/src/node-transport.ts',
      'packages/sdk/src/**/*.test.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'os'],
              message: '@tminus/sdk stays isomorphic: no Node built-ins.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message:
            "Write `import * as z from 'zod'`: the named `z` brings all of zod's locales into the web bundle (docs/decisions/0049).",
        },
      ],
    },
  },
  {
    // better-sqlite3 is synchronous; the Store port is asynchronous so that PostgreSQL fits behind it.
    files: ['packages/tminus/src/store/sqlite/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Layering: core is pure; the agent never touches the store or the server.
    files: ['packages/tminus/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '../store/*', '../server/*', '../agent/*', '../runners/*'],
              message: 'core/ is pure domain logic: no I/O and no outer layers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'packages/tminus/src/agent/**/*.ts',
      'packages/tminus/src/runners/**/*.ts',
      'packages/tminus/src/builders/**/*.ts',
      'packages/tminus/src/direct/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/*', '**/server/*', 'better-sqlite3', 'pg'],
              message: 'The agent talks to the server over HTTP only; it never touches the store.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/tminus/src/server/**/*.ts'],
    // The composition root picks the store adapter; nothing else in server/ may.
    ignores: ['packages/tminus/src/server/start-server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/store/sqlite/*',
                '**/store/postgres/*',
                '**/agent/*',
                'better-sqlite3',
                'pg',
              ],
              message: 'The server reaches the database only through the Store port.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
