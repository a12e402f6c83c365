/**
 * Moving a SQLite install to PostgreSQL with `tminus copy-to-postgres`: runs, logs, jobs, keys and code
 * snapshots arrive, and the PostgreSQL-backed server goes on launching where SQLite left off.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api, launchAdd } from '@tminus/sdk';
import { afterAll, describe, expect, it } from 'vitest';

import { startAgent } from '../../packages/tminus/src/agent/create-agent.js';
import { startServer } from '../../packages/tminus/src/server/start-server.js';
import { runCli } from '../helpers/cli.js';
import { adminQuery, databaseUrl, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { PRINT_CONFIG_PY } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';

const dbName = `tminus_copy_${randomBytes(5).toString('hex')}`;
const dir = tempDir('copy');

const created = await adminQuery(`CREATE DATABASE ${dbName}`);
afterAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName}`);
  dir.remove();
});

async function withStack<T>(
  database: string | undefined,
  work: (api: Api) => Promise<T>,
): Promise<T> {
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(dir.path, 'data'),
    bootstrapApiKey: 'tmk_copytest',
    defaultEntity: 'mover',
    log: () => undefined,
    ...(database ? { database } : {}),
  });
  const api = new Api({ baseUrl: server.url, apiKey: 'tmk_copytest' });
  const agent = await startAgent({
    api,
    queues: ['default'],
    maxJobs: 2,
    stopGraceMs: 1_000,
    cacheDir: join(dir.path, `cache-${database ? 'pg' : 'sqlite'}`),
    workDir: join(dir.path, 'runs'),
    log: () => undefined,
  });
  try {
    return await work(api);
  } finally {
    await agent.stop();
    await server.close();
  }
}

describe.skipIf(!created)(
  `copy-to-postgres${created ? '' : ` — skipped: no PostgreSQL at ${TEST_DATABASE_URL}`}`,
  () => {
    it('moves runs, logs, jobs, keys and snapshots; the new server continues', async () => {
      const code = join(dir.path, 'code');
      mkdirSync(code);
      writeFileSync(join(code, 'main.py'), PRINT_CONFIG_PY);
      const before = await withStack(undefined, async (api) => {
        const job = await uploadCodeJob(api, code, {
          project: 'm',
          name: 'j',
          entrypoint: ['main.py'],
        });
        const run = await (
          await launchAdd({
            api,
            job: job.ref,
            config: { overrides: { run_config: { where: 'sqlite' } } },
          })
        ).waitUntilFinished({ timeoutMs: 30_000 });
        return { job: job.ref, run };
      });

      const url = new URL(databaseUrl(dbName));
      const copied = await runCli([
        'copy-to-postgres',
        '--data-dir',
        join(dir.path, 'data'),
        '--to',
        url.toString(),
        '--json',
      ]);
      expect(copied.code).toBe(0);
      const report = JSON.parse(copied.stdout) as { tables: Record<string, number>; blobs: number };
      expect(report.tables.runs).toBe(1);
      expect(report.blobs).toBe(1);
      const again = await runCli([
        'copy-to-postgres',
        '--data-dir',
        join(dir.path, 'data'),
        '--to',
        url.toString(),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('not empty');

      await withStack(url.toString(), async (api) => {
        const old = await api.request('getRun', { params: { id: before.run.id } });
        expect(old).toMatchObject({ state: 'finished', config: { where: 'sqlite' } });
        const logs = (await api.request('getLogs', { params: { id: old.id } })).lines.map(
          (l) => l.text,
        );
        expect(logs).toContain('config={"where": "sqlite"}');
        // The snapshot came along: a new run of the same job (fresh agent cache) downloads it from PostgreSQL.
        const run = await (
          await launchAdd({
            api,
            job: before.job,
            config: { overrides: { run_config: { where: 'postgres' } } },
          })
        ).waitUntilFinished({ timeoutMs: 30_000 });
        expect(run.state).toBe('finished');
        const list = await api.request('listRuns', { query: {} });
        expect(list.items.map((r) => r.id)).toEqual([run.id, before.run.id]);
      });
    });
  },
);
