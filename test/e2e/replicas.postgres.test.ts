/**
 * Two `tminus server` processes (replicas) on one PostgreSQL database, agents attached to each,
 * 2,000 runs enqueued through both: every run executes exactly once (counted from the program's own
 * side effect), whichever replica took the enqueue and whichever agent ran it. Code snapshots and logs
 * live in the database, so a run enqueued on one replica is served by the other.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api, launchAdd, QueuedRun } from '@tminus/sdk';
import { afterAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { APPEND_RUN_ID, expectEachExecutedOnce } from '../helpers/exactly-once.js';
import { adminQuery, databaseUrl, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { spawnTminus, type Spawned } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const RUNS = 2_000;
const dbName = `tminus_replicas_${randomBytes(5).toString('hex')}`;
const dir = tempDir('replicas');
const processes: Spawned[] = [];
let replicaApis: Api[] = [];
let replicaServers: Spawned[] = [];
const apiKey = `tmk_${randomBytes(8).toString('hex')}`;

const created = await adminQuery(`CREATE DATABASE ${dbName}`);
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await adminQuery(`DROP DATABASE IF EXISTS ${dbName}`);
  dir.remove();
});

describe.skipIf(!created)(
  `server replicas on PostgreSQL${created ? '' : ` — skipped: no PostgreSQL at ${TEST_DATABASE_URL}`}`,
  () => {
    it(
      'execute each of 2,000 runs exactly once across two replicas',
      { timeout: 300_000 },
      async () => {
        const url = new URL(databaseUrl(dbName));
        const serverEnv = {
          TMINUS_BOOTSTRAP_API_KEY: apiKey,
          TMINUS_ENTITY: 'rep',
          TMINUS_DATABASE_URL: url.toString(),
        };
        const apis: Api[] = [];
        // Both replicas start at once: migrations run under an advisory lock.
        const servers = [0, 1].map((i) =>
          spawnTminus(
            ['server', '--port', '0', '--data-dir', join(dir.path, `server-${i}`)],
            serverEnv,
          ),
        );
        processes.push(...servers);
        for (const server of servers) {
          await server.waitFor(/listening on http:\/\/\S+/);
          const api = new Api({
            baseUrl: /listening on (http:\/\/\S+)/.exec(server.output())![1]!,
            apiKey,
          });
          apis.push(api);
        }
        const code = join(dir.path, 'code');
        mkdirSync(code);
        writeFileSync(join(code, 'README'), 'appends its run id to $OUT\n');
        const out = join(dir.path, 'executions.log');
        // Uploaded through replica 0; agents of replica 1 download it from replica 1.
        const job = await uploadCodeJob(apis[0]!, code, {
          project: 'p',
          name: 'append',
          entrypoint: APPEND_RUN_ID,
        });
        await apis[0]!.request('createQueue', { body: { name: 'shared' } });

        const queued: QueuedRun[] = [];
        for (let i = 0; i < RUNS; i += 100) {
          queued.push(
            ...(await Promise.all(
              Array.from({ length: 100 }, (_, k) =>
                launchAdd({ api: apis[k % 2]!, job: job.ref, queueName: 'shared' }),
              ),
            )),
          );
        }
        for (let i = 0; i < 4; i++) {
          processes.push(
            spawnTminus(['agent', '-q', 'shared', '--max-jobs', '4'], {
              TMINUS_BASE_URL: apis[i % 2]!.baseUrl,
              TMINUS_API_KEY: apiKey,
              TMINUS_DATA_DIR: join(dir.path, `agent-${i}`),
              OUT: out,
            }),
          );
        }
        const runIds = await expectEachExecutedOnce(queued, out);
        // A run enqueued through replica 0 reads the same from replica 1.
        expect((await apis[1]!.request('getRun', { params: { id: runIds[0]! } })).state).toBe(
          'finished',
        );
        replicaApis = apis;
        replicaServers = servers;
      },
    );

    it(
      'kill -9 of one replica loses nothing acknowledged; agents given both URLs carry on through the other',
      { timeout: 120_000 },
      async () => {
        const [api0, api1] = replicaApis;
        const job = (await api1!.request('resolveJob', { query: { ref: 'rep/p/append:latest' } }))
          .ref;
        await api1!.request('createQueue', { body: { name: 'failover' } });
        const out = join(dir.path, 'failover.log');
        const agents = [0, 1].map((i) =>
          spawnTminus(['agent', '-q', 'failover', '--max-jobs', '4'], {
            TMINUS_BASE_URL: `${api0!.baseUrl},${api1!.baseUrl}`,
            TMINUS_API_KEY: apiKey,
            TMINUS_DATA_DIR: join(dir.path, `fo-agent-${i}`),
            OUT: out,
          }),
        );
        processes.push(...agents);
        const acknowledged: QueuedRun[] = [];
        for (let i = 0; i < 100; i++)
          acknowledged.push(
            await launchAdd({ api: i % 2 ? api1! : api0!, job, queueName: 'failover' }),
          );
        await replicaServers[0]!.kill('SIGKILL');
        for (let i = 0; i < 100; i++)
          acknowledged.push(await launchAdd({ api: api1!, job, queueName: 'failover' }));
        // Every acknowledged item is on the surviving replica, and runs exactly once.
        const handles = await Promise.all(acknowledged.map((q) => QueuedRun.get(api1!, q.id)));
        await expectEachExecutedOnce(handles, out);
      },
    );
  },
);
