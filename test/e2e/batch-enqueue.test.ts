/**
 * `launchAddBatch` against a real server and a real agent: a batch runs in priority-then-FIFO order
 * like single enqueues, a retried batch enqueues nothing twice, one bad item refuses the whole batch
 * and names it, and a list longer than one request's limit is split.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAddBatch, LaunchError } from '@tminus/sdk';
import { MAX_BATCH_ITEMS } from '@tminus/sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let order: string;
let jobRef: string;

beforeAll(async () => {
  stack = await startStack();
  order = join(stack.dir, 'batch-order.log');
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(
    join(code, 'main.py'),
    `import json, os\nwith open(${JSON.stringify(order)}, "a") as f:\n    f.write(json.loads(os.environ["TMINUS_CONFIG"])["tag"] + "\\n")\n`,
  );
  jobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'tagged',
      entrypoint: ['python3', 'main.py'],
    })
  ).ref;
  await stack.api.request('createQueue', {
    body: {
      name: 'batch',
      prioritization: true,
      templateVariables: { gpus: { type: 'integer', minimum: 0, maximum: 4 } },
    },
  });
});
afterAll(() => stack.close());

const run = (tag: string, priority?: number) => ({
  job: jobRef,
  queueName: 'batch',
  config: { overrides: { run_config: { tag } } },
  ...(priority === undefined ? {} : { priority }),
});
const pendingIds = async (queue: string) =>
  (
    await stack.api.request('listQueueItems', {
      params: { entity: stack.entity, name: queue },
      query: { state: 'pending', limit: 100_000 },
    })
  ).items.map((i) => i.id);

describe('launchAddBatch', () => {
  it('enqueues in one call; runs go by priority, then in batch order', async () => {
    const tags = ['a', 'b', 'c', 'd', 'e', 'f'];
    const priorities = [2, 3, 0, 2, 0, 1];
    const queued = await launchAddBatch(
      tags.map((t, i) => run(t, priorities[i])),
      { api: stack.api },
    );
    expect(queued.map((q) => q.priority)).toEqual(priorities);
    expect(queued.every((q) => q.queueName === 'batch' && q.project === 'p')).toBe(true);
    expect(new Set(await pendingIds('batch'))).toEqual(new Set(queued.map((q) => q.id)));
    const agent = await stack.startAgent(['batch'], 1);
    for (const q of queued)
      expect((await q.waitUntilFinished({ timeoutMs: 30_000 })).state).toBe('finished');
    await agent.stop();
    expect(readFileSync(order, 'utf8').trim().split('\n')).toEqual(['c', 'e', 'f', 'a', 'd', 'b']);
  });

  it('a retried batch (same idempotency key) returns the same queued runs and enqueues nothing', async () => {
    const items = [run('r1'), run('r2'), run('r3')];
    const first = await launchAddBatch(items, { api: stack.api, idempotencyKey: 'sweep-42' });
    const again = await launchAddBatch(items, { api: stack.api, idempotencyKey: 'sweep-42' });
    expect(again.map((q) => q.id)).toEqual(first.map((q) => q.id));
    expect((await pendingIds('batch')).sort()).toEqual(first.map((q) => q.id).sort());
    for (const q of first) await q.delete();
  });

  it('one bad item refuses the whole batch and says which', async () => {
    const before = await pendingIds('batch');
    const error = await launchAddBatch(
      [run('ok'), { ...run('bad'), templateVariables: { gpus: 9 } }, run('ok2')],
      { api: stack.api },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { index: 1 } });
    expect((error as LaunchError).message).toMatch(/^items\[1\]: .*gpus/);
    // Refused before sending: a priority out of range is caught by the SDK, with the index too.
    await expect(launchAddBatch([run('x'), run('y', 7)], { api: stack.api })).rejects.toMatchObject(
      { message: expect.stringMatching(/^items\[1\]: priority/) as unknown },
    );
    expect(await pendingIds('batch')).toEqual(before);
  });

  it(`splits more than ${MAX_BATCH_ITEMS.toLocaleString('en')} items over several requests, in order`, async () => {
    await stack.api.request('createQueue', { body: { name: 'big' } });
    const image = (
      await stack.api.request('createJob', {
        body: { project: 'p', name: 'img', source: { type: 'image', image: 'busybox:1' } },
      })
    ).job.ref;
    const count = MAX_BATCH_ITEMS + 5;
    const queued = await launchAddBatch(
      Array.from({ length: count }, () => ({ job: image, queueName: 'big' })),
      { api: stack.api },
    );
    expect(queued).toHaveLength(count);
    expect(await pendingIds('big')).toEqual(queued.map((q) => q.id));
  });
});
