/**
 * An agent does not trust the server's run ids with its disk: a real server and a real agent, whose
 * client sees a forged run id (`../../../victim/target`) in the lease it claims, or in the answer
 * to its ack — what a compromised or buggy server could send. The item is failed at stage `agent`
 * naming the id, and nothing is written outside the agent's own directories.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { Api, launchAdd, type RequestOptions } from '@tminus/sdk';
import type { RouteInput, RouteName, RouteOutput } from '@tminus/sdk/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startAgent } from '../../packages/tminus/src/agent/create-agent.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const FORGED = '../../../victim/target';

/** The server's answers as the agent's client receives them, with one run id forged. */
class ForgingApi extends Api {
  constructor(
    stack: TestStack,
    private readonly forge: 'lease' | 'ack',
  ) {
    super({ baseUrl: stack.url, apiKey: stack.apiKey });
  }

  override async request<N extends RouteName>(
    name: N,
    input: RouteInput<N>,
    options?: RequestOptions,
  ): Promise<RouteOutput<N>> {
    const output = await super.request(name, input, options);
    if (this.forge === 'lease' && name === 'claim') {
      const { lease } = output as RouteOutput<'claim'>;
      if (lease !== null) lease.item.runId = FORGED;
    }
    if (this.forge === 'ack' && name === 'ackItem') (output as RouteOutput<'ackItem'>).id = FORGED;
    return output;
  }
}

let stack: TestStack;
let jobRef: string;
let agent: { stop(): Promise<void> } | undefined;

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => join(p));
}

beforeAll(async () => {
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'main.py'), 'print("ran")\n');
  jobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'victim',
      entrypoint: ['python3', 'main.py'],
    })
  ).ref;
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});
afterAll(() => stack.close());

/** Runs one item through an agent whose client forges `forge`; returns what the agent logged. */
async function runForged(forge: 'lease' | 'ack', home: string) {
  // Deep enough that the forged id's `../../..` would land inside the test's own directory.
  const workDir = join(stack.dir, home, 'work', 'runs');
  const cacheDir = join(stack.dir, home, 'cache');
  const lines: string[] = [];
  const before = new Set(tree(stack.dir));
  agent = await startAgent({
    api: new ForgingApi(stack, forge),
    queues: ['default'],
    maxJobs: 1,
    stopGraceMs: 1_000,
    heartbeatMs: 300,
    cacheDir,
    workDir,
    log: (line) => lines.push(line),
  });
  const queued = await launchAdd({ api: stack.api, job: jobRef, queueName: 'default' });
  return { queued, lines, before, workDir, cacheDir };
}

/** Paths created under the test's directory outside the server's data dir and the agent's dirs. */
function strays(before: Set<string>, ...own: string[]): string[] {
  const mine = own.map((dir) => relative(stack.dir, dir));
  return tree(stack.dir).filter(
    (p) =>
      !before.has(p) &&
      !p.startsWith('data') &&
      !mine.some((dir) => p === dir || p.startsWith(`${dir}/`) || dir.startsWith(`${p}/`)),
  );
}

describe('a forged run id', () => {
  it('in a lease: the item is failed at stage agent naming the id, and nothing is written outside the work dir', async () => {
    const { queued, before, workDir, cacheDir } = await runForged('lease', 'agent-a');
    const item = await stack.api.request('getQueueItem', {
      params: { id: queued.id },
      query: { waitFor: 'started', waitMs: 20_000 },
    });
    expect(item.state).toBe('failed');
    expect(item.error?.stage).toBe('agent');
    expect(item.error?.message).toContain(`run id "${FORGED}"`);
    expect(item.error?.message).toContain('may contain only letters, digits, "_" and "-"');
    await agent!.stop();
    agent = undefined;
    expect(strays(before, workDir, cacheDir)).toEqual([]);
    expect(tree(workDir)).toEqual(['.journal']);
  });

  it('in the answer to an ack: the agent does not run it, and writes nothing outside the work dir', async () => {
    const { queued, lines, before, workDir, cacheDir } = await runForged('ack', 'agent-b');
    const item = await stack.api.request('getQueueItem', {
      params: { id: queued.id },
      query: { waitFor: 'started', waitMs: 20_000 },
    });
    expect(item.state).toBe('claimed');
    await agent!.stop(); // waits for the lease's task, which ends once the ack's answer is refused
    agent = undefined;
    expect(lines).toContainEqual(
      `the server acknowledged ${queued.id} as run "${FORGED}", not ${item.runId}; not running it`,
    );
    const run = await stack.api.request('getRun', { params: { id: item.runId! } });
    expect(run.state).toBe('starting'); // never reported running: the program did not start
    expect(strays(before, workDir, cacheDir)).toEqual([]);
    expect(tree(workDir)).toEqual(['.journal']);
  });
});
