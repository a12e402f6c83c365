/**
 * What a run sees of its agent's environment: the built `tminus agent` spawned with tminus's
 * credentials, W&B's credentials and a user secret in its environment, executing a real program
 * that prints what it was given.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { uploadCodeJob } from '../helpers/code-job.js';
import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const SHOWN = [
  'TMINUS_API_KEY',
  'TMINUS_BOOTSTRAP_API_KEY',
  'TMINUS_DATABASE_URL',
  'HF_TOKEN',
  'WANDB_API_KEY',
  'WANDB_BASE_URL',
  'NOT_SECRET',
];
const SHOW_ENV = `import json, os
print("seen=" + json.dumps({k: os.environ.get(k) for k in ${JSON.stringify(SHOWN)}}, sort_keys=True))
print("has_run_token=" + str(bool(os.environ.get("TMINUS_RUN_TOKEN"))))
`;

let stack: TestStack;
let jobRef: string;
const agents: Spawned[] = [];

/** The agent's environment: everything a careless agent could hand its runs. */
function agentEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_BOOTSTRAP_API_KEY: 'tmk_bootstrap_secret',
    TMINUS_DATABASE_URL: 'postgres://tminus:hunter2@db.example/tminus',
    TMINUS_DATA_DIR: dataDir,
    HF_TOKEN: 'hf_user_secret',
    WANDB_API_KEY: 'wandb-user-key',
    WANDB_BASE_URL: 'https://wandb.example',
    NOT_SECRET: 'plain',
  };
}

async function startAgent(queue: string, flags: string[]): Promise<void> {
  const agent = spawnTminus(
    ['agent', '-q', queue, ...flags],
    agentEnv(join(stack.dir, `agent-${queue}`)),
  );
  agents.push(agent);
  await agent.waitFor('polling on queues');
}

async function seenBy(queue: string): Promise<Record<string, string | null>> {
  const queued = await launchAdd({ api: stack.api, job: jobRef, queueName: queue });
  const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
  expect(run.state).toBe('finished');
  const { lines } = await stack.api.request('getLogs', { params: { id: run.id } });
  const text = lines.map((l) => l.text);
  expect(text).toContain('has_run_token=True');
  const seen = text.find((t) => t.startsWith('seen='));
  return JSON.parse(seen!.slice('seen='.length)) as Record<string, string | null>;
}

beforeAll(async () => {
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'show_env.py'), SHOW_ENV);
  jobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'show-env',
      entrypoint: ['python3', 'show_env.py'],
    })
  ).ref;
  for (const name of ['plain', 'withheld'])
    await stack.api.request('createQueue', { body: { name } });
  await startAgent('plain', []);
  await startAgent('withheld', ['--secret-env', 'HF_*', '--no-wandb-credentials']);
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.kill()));
  await stack.close();
});

describe('the environment of a run', () => {
  it('holds no tminus credential but its run token; W&B’s credentials pass through as W&B’s agent passes them', async () => {
    expect(await seenBy('plain')).toEqual({
      TMINUS_API_KEY: null,
      TMINUS_BOOTSTRAP_API_KEY: null,
      TMINUS_DATABASE_URL: null,
      HF_TOKEN: 'hf_user_secret',
      WANDB_API_KEY: 'wandb-user-key',
      WANDB_BASE_URL: 'https://wandb.example',
      NOT_SECRET: 'plain',
    });
  });

  it('--secret-env and --no-wandb-credentials withhold those too', async () => {
    expect(await seenBy('withheld')).toEqual({
      TMINUS_API_KEY: null,
      TMINUS_BOOTSTRAP_API_KEY: null,
      TMINUS_DATABASE_URL: null,
      HF_TOKEN: null,
      WANDB_API_KEY: null,
      WANDB_BASE_URL: null,
      NOT_SECRET: 'plain',
    });
  });
});
