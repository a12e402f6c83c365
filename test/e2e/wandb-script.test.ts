/**
 * A real `wandb` script, launched through a queue and run by a real agent process: it reads its
 * overrides from `wandb.config` as under W&B Launch — a config over 100 KB included, which reaches it
 * as `WANDB_CONFIG_0..N` — and its offline data (`./wandb`) is still in the run's directory after the
 * run. Skipped, saying why, where no Python with wandb can be had (test/helpers/wandb-venv.ts).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, type Run } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { wandbPython } from '../helpers/wandb-venv.js';

const TRAIN = `import json
import wandb

run = wandb.init()
config = dict(run.config)
print("seen=" + json.dumps({
    "lr": config.get("lr"),
    "epochs": config.get("epochs"),
    "blob_length": len(config.get("blob", "")),
    "run_id": run.id,
    "project": run.project,
    "name": run.name,
}, sort_keys=True))
run.log({"loss": 0.5})
run.finish()
`;

let stack: TestStack | undefined;
let agent: Spawned | undefined;
let job = '';
let skipped: string | undefined;

beforeAll(async () => {
  const found = await wandbPython();
  if (found.python === undefined) {
    skipped = `no Python with wandb: ${found.why}`;
    console.warn(`wandb-script.test.ts skipped: ${skipped}`);
    return;
  }
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'train.py'), TRAIN);
  job = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'wandb-train',
      entrypoint: [found.python, 'train.py'],
    })
  ).ref;
  await stack.api.request('createQueue', { body: { name: 'wandb' } });
  agent = spawnTminus(['agent', '-q', 'wandb', '--no-wandb-credentials'], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: join(stack.dir, 'agent'),
    HOME: stack.dir,
    WANDB_MODE: 'offline',
    WANDB_SILENT: 'true',
  });
  await agent.waitFor('polling on queues wandb');
}, 700_000);
afterAll(async () => {
  await agent?.kill();
  await stack?.close();
});

/** Launches a run of the script with `run_config`, waits for it, and returns what wandb.config held. */
async function launchWith(
  runConfig: Record<string, unknown>,
  name: string,
): Promise<{ run: Run; seen: Record<string, unknown> }> {
  const api = stack!.api;
  const queued = await launchAdd({
    api,
    job,
    queueName: 'wandb',
    name,
    config: { overrides: { run_config: runConfig } },
  });
  const run = await queued.waitUntilFinished({ timeoutMs: 120_000 });
  const { lines } = await api.request('getLogs', { params: { id: run.id } });
  expect(run.state, lines.map((l) => l.text).join('\n')).toBe('finished');
  const seen = lines.find((l) => l.text.startsWith('seen='))?.text.slice('seen='.length);
  return { run, seen: JSON.parse(seen ?? '{}') as Record<string, unknown> };
}

describe('a wandb script launched through a queue', () => {
  it('reads its overrides from wandb.config, under the run’s id, project and name', async (ctx) => {
    if (skipped !== undefined) return ctx.skip();
    const { run, seen } = await launchWith({ lr: 0.01, epochs: 3 }, 'small');
    expect(seen).toEqual({
      lr: 0.01,
      epochs: 3,
      blob_length: 0,
      run_id: run.id,
      project: 'p',
      name: 'small',
    });
    // Its offline data is where the program left it, in the kept run directory.
    expect(
      readdirSync(join(run.runDir!, 'src', 'wandb')).some((n) => n.startsWith('offline-run-')),
    ).toBe(true);
  });

  it('reads a config over 100 KB (WANDB_CONFIG_0..N) whole', async (ctx) => {
    if (skipped !== undefined) return ctx.skip();
    const blob = 'w'.repeat(150_000);
    const { seen } = await launchWith({ lr: 0.2, blob }, 'large');
    expect(seen).toMatchObject({ lr: 0.2, blob_length: 150_000, name: 'large' });
  });
});
