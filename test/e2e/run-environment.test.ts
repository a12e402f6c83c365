/**
 * What a run sees of its agent's environment: the built `tminus agent` spawned with tminus's
 * credentials, W&B's credentials and a user secret in its environment, executing a real program
 * that prints what it was given.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, LaunchError } from '@tminus/sdk';
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

/** Prints the run's W&B and tminus variables, and whether the chunked config joins to the config file's. */
const SHOW_WANDB = `import json, os
chunks, i = [], 0
while f"WANDB_CONFIG_{i}" in os.environ:
    chunks.append(os.environ[f"WANDB_CONFIG_{i}"])
    i += 1
config = json.loads("".join(chunks)) if chunks else json.loads(os.environ["WANDB_CONFIG"])
with open(os.environ["TMINUS_CONFIG_PATH"]) as f:
    in_file = json.load(f)
skip = {"TMINUS_RUN_TOKEN", "TMINUS_CONFIG_PATH", "TMINUS_API_URL", "TMINUS_BASE_URL", "TMINUS_DATA_DIR", "WANDB_API_KEY", "WANDB_BASE_URL"}
names = [k for k in os.environ if k.startswith(("WANDB_", "TMINUS_")) and k not in skip]
print("vars=" + json.dumps({k: os.environ[k] for k in names if not k.startswith("WANDB_CONFIG_")}, sort_keys=True))
print("chunks=" + str(i))
print("config_ok=" + str(config == in_file and len(config["blob"]) == 200000))
`;

let stack: TestStack;
let jobRef: string;
let wandbJobRef: string;
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
  writeFileSync(join(code, 'show_wandb.py'), SHOW_WANDB);
  wandbJobRef = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'show-wandb',
      entrypoint: ['/usr/bin/python3', 'show_wandb.py'],
    })
  ).ref;
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

describe('W&B’s variables', () => {
  it('every one W&B’s agent sets, with W&B’s values; a 200 KB config in WANDB_CONFIG_0..N that joins to the config file’s', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: wandbJobRef,
      queueName: 'plain',
      name: 'big-config',
      author: 'alice',
      config: {
        overrides: {
          run_config: { lr: 0.1, blob: 'b'.repeat(200_000) },
          files: { 'conf.yaml': { epochs: 3 } },
          artifacts: { 'data:latest': 'tester/p/data:v1' },
        },
      },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
    expect(run.state).toBe('finished');
    const { lines } = await stack.api.request('getLogs', { params: { id: run.id } });
    const said = (key: string) =>
      lines.find((l) => l.text.startsWith(`${key}=`))?.text.slice(key.length + 1);
    expect(said('config_ok')).toBe('True');
    expect(Number(said('chunks'))).toBe(7); // 200,029 characters / 32,670
    expect(JSON.parse(said('vars') ?? '{}')).toEqual({
      TMINUS_RUN_ID: run.id,
      TMINUS_ENTITY: 'tester',
      TMINUS_PROJECT: 'p',
      TMINUS_QUEUE: 'plain',
      WANDB_RUN_ID: run.id,
      WANDB_LAUNCH: 'True',
      WANDB_ENTITY: 'tester',
      WANDB_PROJECT: 'p',
      WANDB_NAME: 'big-config',
      WANDB_USERNAME: 'alice',
      WANDB_LAUNCH_QUEUE_NAME: 'plain',
      WANDB_LAUNCH_QUEUE_ENTITY: 'tester',
      WANDB_LAUNCH_TRACE_ID: queued.id,
      WANDB_LAUNCH_FILE_OVERRIDES: '{"conf.yaml":{"epochs":3}}',
      WANDB_ARTIFACTS: '{"data:latest":"tester/p/data:v1"}',
    });
  });

  it('a config no runner could pass is refused at enqueue, the limit named', async () => {
    const error = await launchAdd({
      api: stack.api,
      job: wandbJobRef,
      queueName: 'plain',
      config: { overrides: { run_config: { blob: 'b'.repeat(1_100_000) } } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('INVALID_ARGUMENT');
    expect((error as LaunchError).message).toMatch(
      /^The run config is 1,100,011 characters as JSON; a run's program receives at most 1,048,576 \(1 MiB\)/,
    );
  });
});
