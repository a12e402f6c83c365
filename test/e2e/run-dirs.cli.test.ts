/**
 * Ended runs' directories, with a real agent process running real programs: kept when the run ends
 * (the path in `tminus run show`, the program's outputs in it), removed by the agent's retention —
 * the oldest first once past its disk budget, at once with no age allowed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, type Run } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

/** Writes 400 KiB of "output" beside itself, as a training script leaves ./wandb behind. */
const WRITE_OUTPUT = `import os
os.makedirs("wandb/offline-run", exist_ok=True)
with open("wandb/offline-run/run.wandb", "w") as f:
    f.write("x" * 400 * 1024)
print("wrote output")
`;

let stack: TestStack;
let job: string;
const agents = new Map<string, Spawned>();

async function startAgent(queue: string, flags: string[]): Promise<void> {
  await stack.api.request('createQueue', { body: { name: queue } });
  const agent = spawnTminus(['agent', '-q', queue, ...flags], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: join(stack.dir, `agent-${queue}`),
    HOME: stack.dir,
  });
  agents.set(queue, agent);
  await agent.waitFor('polling on queues');
}

async function run(queue: string): Promise<Run> {
  const queued = await launchAdd({ api: stack.api, job, queueName: queue });
  const done = await queued.waitUntilFinished({ timeoutMs: 60_000 });
  expect(done.state).toBe('finished');
  return done;
}

/** What `tminus run show` prints for a run, through the real binary. */
async function show(id: string): Promise<string> {
  const r = await runCli(['run', 'show', id], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
  });
  expect(r.code).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'write_output.py'), WRITE_OUTPUT);
  job = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'writes-output',
      entrypoint: ['/usr/bin/python3', 'write_output.py'],
    })
  ).ref;
  // A budget for one run's output (400 KiB), not two.
  await startAgent('budget', ['--run-dir-max-gib', String(600 / 1024 / 1024)]);
  await startAgent('nothing-kept', ['--run-dir-max-age-hours', '0']);
});
afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => a.kill()));
  await stack.close();
});

describe('run directories', () => {
  it('are kept when the run ends, shown by run show, and the oldest go once past the disk budget', async () => {
    const first = await run('budget');
    expect(first.runDir).toMatch(new RegExp(`/agent-budget/runs/${first.id}-[0-9a-f]{8}$`));
    const output = join(first.runDir!, 'src', 'wandb', 'offline-run', 'run.wandb');
    expect(readFileSync(output, 'utf8')).toHaveLength(400 * 1024);
    expect(await show(first.id)).toContain(`  dir      ${first.runDir}`);

    const second = await run('budget');
    // The agent applies its retention right after the run's final report.
    await agents.get('budget')!.waitFor(`removed the directory of an ended run: ${first.runDir}`);
    expect(existsSync(first.runDir!)).toBe(false);
    expect(existsSync(join(second.runDir!, 'src', 'wandb', 'offline-run', 'run.wandb'))).toBe(true);
  });

  it('with --run-dir-max-age-hours 0, go when their run ends', async () => {
    const ended = await run('nothing-kept');
    expect(ended.runDir).not.toBeNull();
    await agents
      .get('nothing-kept')!
      .waitFor(`removed the directory of an ended run: ${ended.runDir}`);
    expect(existsSync(ended.runDir!)).toBe(false);
  });
});
