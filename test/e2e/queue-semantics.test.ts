/**
 * Queue semantics with a real server and real agents: priority then FIFO order of execution, cancel
 * of pending, running and finished runs, a stale fencing token refused, and "why pending".
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { launchAdd, LaunchError } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let order: string;
let jobRef: string;

const PROGRAM = `import json, os, sys, time
config = json.loads(os.environ["TMINUS_CONFIG"])
with open(os.environ["ORDER_FILE"], "a") as f:
    f.write(config.get("tag", "") + "\\n")
print("started", flush=True)
time.sleep(config.get("sleep", 0))
`;

beforeAll(async () => {
  stack = await startStack();
  order = join(stack.dir, 'order.log');
  process.env.ORDER_FILE = order; // inherited by the in-process agent's runs
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'main.py'), PROGRAM);
  jobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'ordered',
      entrypoint: ['python3', 'main.py'],
    })
  ).ref;
});
afterAll(() => stack.close());

const add = (queueName: string, tag: string, extra: { priority?: number; sleep?: number } = {}) =>
  launchAdd({
    api: stack.api,
    job: jobRef,
    queueName,
    ...(extra.priority === undefined ? {} : { priority: extra.priority }),
    config: { overrides: { run_config: { tag, sleep: extra.sleep ?? 0 } } },
  });

describe('ordering', () => {
  it('runs lower priority numbers first, FIFO within a level, across interleaved enqueues', async () => {
    await stack.api.request('createQueue', { body: { name: 'prio', prioritization: true } });
    const plan: [string, number][] = [
      ['m1', 2],
      ['l1', 3],
      ['h1', 1],
      ['c1', 0],
      ['m2', 2],
      ['h2', 1],
      ['l2', 3],
      ['c2', 0],
      ['m3', 2],
    ];
    const queued = [];
    for (const [tag, priority] of plan) queued.push(await add('prio', tag, { priority }));
    await stack.startAgent(['prio'], 1);
    for (const q of queued)
      expect((await q.waitUntilFinished({ timeoutMs: 60_000 })).state).toBe('finished');
    const tags = readFileSync(order, 'utf8').trim().split('\n');
    expect(tags).toEqual(['c1', 'c2', 'h1', 'h2', 'm1', 'm2', 'm3', 'l1', 'l2']);
  });
});

describe('why pending', () => {
  it('names the position and says when no agent polls the queue, or all are busy', async () => {
    await stack.api.request('createQueue', { body: { name: 'lonely' } });
    await add('lonely', 'x');
    const second = await add('lonely', 'y');
    const explanation = await second.explain();
    expect(explanation).toMatchObject({
      state: 'pending',
      position: 2,
      queue: 'lonely',
      agentsPolling: 0,
    });
    expect(explanation.message).toContain('no agent has polled this queue');

    await stack.api.request('createQueue', { body: { name: 'busy' } });
    const blocker = await add('busy', 'blocker', { sleep: 30 });
    await stack.startAgent(['busy'], 1);
    await blocker.waitUntilStarted({ timeoutMs: 20_000 });
    const waiting = await add('busy', 'waiting');
    const busy = await stack.api.request('explainQueueItem', { params: { id: waiting.id } });
    expect(busy).toMatchObject({ position: 1, agentsPolling: 1, agentsAtCapacity: 1 });
    expect(busy.message).toContain('max_jobs');
    await blocker.cancel();
    expect((await waiting.waitUntilFinished({ timeoutMs: 30_000 })).state).toBe('finished');
  });
});

describe('cancel', () => {
  it('of a pending run removes it; of a running run stops it; of a finished run changes nothing', async () => {
    await stack.api.request('createQueue', { body: { name: 'cancels' } });
    const pending = await add('cancels', 'pending');
    await pending.cancel();
    await expect(pending.state()).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await stack.startAgent(['cancels'], 2);
    const running = await add('cancels', 'running', { sleep: 60 });
    const started = await running.waitUntilStarted({ timeoutMs: 20_000 });
    await stack.api.request('getLogs', { params: { id: started.id }, query: { waitMs: 20_000 } });
    const stopping = await stack.api.request('cancelRun', { params: { id: started.id } });
    expect(stopping.state).toBe('stopping');
    expect((await running.waitUntilFinished({ timeoutMs: 20_000 })).state).toBe('stopped');

    const done = await add('cancels', 'done');
    const finished = await done.waitUntilFinished({ timeoutMs: 20_000 });
    expect((await stack.api.request('cancelRun', { params: { id: finished.id } })).state).toBe(
      'finished',
    );
    expect((await stack.api.request('cancelRun', { params: { id: started.id } })).state).toBe(
      'stopped',
    );
  });
});

describe('fencing', () => {
  it('refuses writes carrying a token that does not own the run (409 STALE_TOKEN)', async () => {
    await stack.api.request('createQueue', { body: { name: 'fenced' } });
    const queued = await add('fenced', 'f');
    const agent = await stack.api.request('registerAgent', {
      body: { queues: ['fenced'], hostname: hostname(), maxJobs: 1, version: 'test' },
    });
    const { lease } = await stack.api.request('claim', {
      params: { id: agent.id },
      body: { waitMs: 5_000 },
    });
    expect(lease?.item.id).toBe(queued.id);
    const run = await stack.api.request('ackItem', {
      params: { id: queued.id },
      body: { fencingToken: lease!.fencingToken, runId: 'fenced01' },
    });
    const error = (await stack.api
      .request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken: 'not-the-token', state: 'finished', exitCode: 0 },
      })
      .catch((e: unknown) => e)) as LaunchError;
    expect(error).toBeInstanceOf(LaunchError);
    expect(error.code).toBe('STALE_TOKEN');
    expect(error.details.status).toBe(409);
    const heartbeat = await stack.api.request('heartbeat', {
      params: { id: agent.id },
      body: { status: 'running', runs: [{ runId: run.id, fencingToken: 'not-the-token' }] },
    });
    expect(heartbeat.lost).toEqual([run.id]);
    const ok = await stack.api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken: lease!.fencingToken, state: 'running' },
    });
    expect(ok.state).toBe('running');
  });
});
