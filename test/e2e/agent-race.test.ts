/**
 * 8 agent processes racing on one queue of 2,000 short runs: every run executes exactly once,
 * counted from the program's own side effect (each run appends its id to a file), not from the
 * server's records.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, type QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { APPEND_RUN_ID, expectEachExecutedOnce } from '../helpers/exactly-once.js';
import { spawnTminus, type Spawned } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const RUNS = 2_000;
const AGENTS = 8;
let stack: TestStack;
const agents: Spawned[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.kill()));
  await stack.close();
});

describe('8 agents, 2,000 runs', () => {
  it('executes each run exactly once', { timeout: 300_000 }, async () => {
    const code = join(stack.dir, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'README'), 'appends its run id to $OUT\n');
    const out = join(stack.dir, 'executions.log');
    const job = await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'append',
      entrypoint: APPEND_RUN_ID,
    });
    await stack.api.request('createQueue', { body: { name: 'race' } });

    const queued: QueuedRun[] = [];
    for (let i = 0; i < RUNS; i += 100) {
      queued.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, RUNS - i) }, () =>
            launchAdd({ api: stack.api, job: job.ref, queueName: 'race' }),
          ),
        )),
      );
    }
    for (let i = 0; i < AGENTS; i++) {
      agents.push(
        spawnTminus(['agent', '-q', 'race', '--max-jobs', '4'], {
          TMINUS_BASE_URL: stack.url,
          TMINUS_API_KEY: stack.apiKey,
          TMINUS_DATA_DIR: join(stack.dir, `agent-${i}`),
          OUT: out,
        }),
      );
    }
    await expectEachExecutedOnce(queued, out);
    // They really raced: the runs were spread over several agents.
    const owners = new Set<string | null>();
    let cursor: string | undefined;
    do {
      const page = await stack.api.request('listRuns', {
        query: { queue: 'race', limit: 1000, ...(cursor ? { cursor } : {}) },
      });
      for (const r of page.items) owners.add(r.agentId);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(owners.has(null)).toBe(false);
    expect(owners.size).toBeGreaterThanOrEqual(AGENTS / 2);
  });
});
