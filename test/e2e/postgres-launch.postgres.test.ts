/**
 * A launch end to end with the server on PostgreSQL (a fresh database on the local server, or
 * TMINUS_TEST_DATABASE_URL's server). Skipped, saying so, only when no PostgreSQL answers.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { PRINT_CONFIG_PY } from '../helpers/git.js';
import { adminQuery, databaseUrl, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const dbName = `tminus_e2e_${randomBytes(5).toString('hex')}`;
const created = await adminQuery(`CREATE DATABASE ${dbName}`);
let stack: TestStack | undefined;
afterAll(async () => {
  await stack?.close();
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName}`);
});

describe.skipIf(!created)(
  `launch on PostgreSQL${created ? '' : ` — skipped: no PostgreSQL at ${TEST_DATABASE_URL}`}`,
  () => {
    it('runs a code job through the queue with its overrides', async () => {
      const url = new URL(databaseUrl(dbName));
      stack = await startStack({ database: url.toString() });
      await stack.startAgent(['default'], 2);
      const code = join(stack.dir, 'code');
      mkdirSync(code);
      writeFileSync(join(code, 'main.py'), PRINT_CONFIG_PY);
      const job = await uploadCodeJob(stack.api, code, {
        project: 'pg',
        name: 'j',
        entrypoint: ['main.py'],
      });
      const queued = await launchAdd({
        api: stack.api,
        job: job.ref,
        config: { overrides: { run_config: { store: 'postgres' } } },
      });
      const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
      expect(run.state).toBe('finished');
      const logs = (await stack.api.request('getLogs', { params: { id: run.id } })).lines.map(
        (l) => l.text,
      );
      expect(logs).toContain('config={"store": "postgres"}');
      // The run is in PostgreSQL, not in a file of the data dir.
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const { rows } = await check.query('SELECT state FROM runs WHERE id = $1', [run.id]);
      await check.end();
      expect(rows).toEqual([{ state: 'finished' }]);
    });
  },
);
