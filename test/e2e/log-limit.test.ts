/**
 * A run's log has a size limit on the server: a program printing far more keeps running to its end,
 * its log keeps the output up to the limit and then says why it stops.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
// 64 KiB: a few hundred of the program's lines.
const LIMIT_MIB = 1 / 16;

beforeAll(async () => {
  stack = await startStack({ maxLogMiB: LIMIT_MIB });
  await stack.startAgent();
});
afterAll(() => stack.close());

it('keeps output up to the limit, then one notice; the run still finishes', async () => {
  const code = join(stack.dir, 'chatty');
  mkdirSync(code);
  // 20,000 lines of 100 characters: ~2 MiB, 30 times the limit; the last line says it got there.
  writeFileSync(
    join(code, 'main.py'),
    'for i in range(20000):\n    print(f"{i:08d} " + "x" * 91)\nprint("the end")\n',
  );
  const job = await uploadCodeJob(stack.api, code, {
    project: 'p',
    name: 'chatty',
    entrypoint: ['python3', 'main.py'],
  });
  const queued = await launchAdd({ api: stack.api, job: job.ref, queueName: 'default' });
  const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
  expect(run.state).toBe('finished');
  const { lines } = await stack.api.request('getLogs', {
    params: { id: run.id },
    query: { limit: 10_000 },
  });
  const output = lines.filter((l) => l.stream === 'stdout');
  const kept = output.reduce((n, l) => n + Buffer.byteLength(l.text), 0);
  expect(kept).toBeLessThanOrEqual(LIMIT_MIB * 1024 ** 2);
  expect(kept).toBeGreaterThan(LIMIT_MIB * 1024 ** 2 - 200);
  expect(output[0]?.text.startsWith('00000000 ')).toBe(true);
  expect(output.some((l) => l.text === 'the end')).toBe(false);
  const notices = lines.filter((l) => l.text.includes("reached the server's limit"));
  expect(notices).toHaveLength(1);
  expect(notices[0]?.stream).toBe('system');
});
