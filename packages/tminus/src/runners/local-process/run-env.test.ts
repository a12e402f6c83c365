import { describe, expect, it } from 'vitest';

import { inheritedEnv, type RunEnvRules, secretEnvProblem } from './run-env.js';

/** An agent's environment with one of everything the rule tells apart. */
const AGENT_ENV = {
  PATH: '/usr/bin',
  HOME: '/root',
  USER: 'root',
  LANG: 'C.UTF-8',
  CUDA_VISIBLE_DEVICES: '0,1',
  TMINUS_API_KEY: 'tmk_agent',
  TMINUS_BOOTSTRAP_API_KEY: 'tmk_bootstrap',
  TMINUS_DATABASE_URL: 'postgres://tminus:hunter2@db/tminus',
  TMINUS_TEST_DATABASE_URL: 'postgres://postgres:pw@127.0.0.1/test',
  TMINUS_WEBHOOK_SECRET: 'later-secret',
  TMINUS_BASE_URL: 'http://127.0.0.1:7447',
  TMINUS_ENTITY: 'alice',
  TMINUS_CONFIG_DIR: '/root/.config/tminus',
  XDG_CACHE_HOME: '/root/.cache',
  WANDB_API_KEY: 'wandb-key',
  WANDB_BASE_URL: 'https://api.wandb.ai',
  WANDB_ENTITY: 'alice',
  WANDB_MODE: 'offline',
  WANDB_CONFIG: '{"from":"the agent’s own run"}',
  WANDB_CONFIG_0: '{"stale":',
  WANDB_RUN_ID: 'agent-run',
  HF_TOKEN: 'hf_secret',
  AWS_ACCESS_KEY_ID: 'AKIA',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWSOME: 'not aws',
};

/** The run facts in AGENT_ENV: each run gets its own from tminus (run-variables.ts). */
const RUN_FACTS_IN_AGENT_ENV = [
  'TMINUS_ENTITY',
  'WANDB_ENTITY',
  'WANDB_CONFIG',
  'WANDB_CONFIG_0',
  'WANDB_RUN_ID',
];

const AGENT_DEFAULTS: RunEnvRules = { secretEnv: [], wandbCredentials: true };
const RUNNER = { name: 'runner', home: '/home/runner' };

/** Which of AGENT_ENV's variables a run sees, by rule; every other one is withheld. */
describe('the environment a run inherits from its agent', () => {
  it.each<[string, RunEnvRules, Record<string, string>]>([
    [
      'by default: all but tminus’s credentials and the run’s own facts; W&B’s credentials pass through',
      AGENT_DEFAULTS,
      {
        PATH: '/usr/bin',
        HOME: '/root',
        USER: 'root',
        LANG: 'C.UTF-8',
        CUDA_VISIBLE_DEVICES: '0,1',
        TMINUS_BASE_URL: 'http://127.0.0.1:7447',
        TMINUS_CONFIG_DIR: '/root/.config/tminus',
        XDG_CACHE_HOME: '/root/.cache',
        WANDB_API_KEY: 'wandb-key',
        WANDB_BASE_URL: 'https://api.wandb.ai',
        WANDB_MODE: 'offline',
        HF_TOKEN: 'hf_secret',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'aws-secret',
        AWSOME: 'not aws',
      },
    ],
    [
      '--no-wandb-credentials: W&B’s key and base URL withheld, its other variables kept',
      { secretEnv: [], wandbCredentials: false },
      { WANDB_MODE: 'offline' },
    ],
    [
      '--secret-env HF_TOKEN --secret-env AWS_*: those withheld (AWS_* is a prefix, not a substring)',
      { secretEnv: ['HF_TOKEN', 'AWS_*'], wandbCredentials: true },
      { WANDB_API_KEY: 'wandb-key', AWSOME: 'not aws' },
    ],
    [
      '--secret-env WANDB_API_KEY wins over the pass-through',
      { secretEnv: ['WANDB_API_KEY'], wandbCredentials: true },
      { WANDB_BASE_URL: 'https://api.wandb.ai' },
    ],
    [
      'as another user: that user’s HOME/USER/LOGNAME, and not the agent’s own directories',
      { ...AGENT_DEFAULTS, user: RUNNER },
      { HOME: '/home/runner', USER: 'runner', LOGNAME: 'runner', WANDB_MODE: 'offline' },
    ],
  ])('%s', (_name, rules, expected) => {
    const env = inheritedEnv(AGENT_ENV, rules);
    for (const [name, value] of Object.entries(expected)) expect(env[name], name).toBe(value);
    for (const name of [
      'TMINUS_API_KEY',
      'TMINUS_BOOTSTRAP_API_KEY',
      'TMINUS_DATABASE_URL',
      'TMINUS_TEST_DATABASE_URL',
      'TMINUS_WEBHOOK_SECRET',
    ])
      expect(env, `${name} is a tminus credential`).not.toHaveProperty(name);
  });

  it('withholds exactly what the rules name, keeping everything else as it is', () => {
    const env = inheritedEnv(AGENT_ENV, { secretEnv: ['HF_TOKEN'], wandbCredentials: false });
    expect(Object.keys(env).sort()).toEqual(
      Object.keys(AGENT_ENV)
        .filter(
          (name) =>
            !/^TMINUS_(API_KEY|BOOTSTRAP_API_KEY|DATABASE_URL|TEST_DATABASE_URL|WEBHOOK_SECRET)$/.test(
              name,
            ) &&
            !['HF_TOKEN', 'WANDB_API_KEY', 'WANDB_BASE_URL'].includes(name) &&
            !RUN_FACTS_IN_AGENT_ENV.includes(name),
        )
        .sort(),
    );
  });

  it('never hands down the run facts of the agent’s environment (an agent started inside another run): tminus sets them', () => {
    const env = inheritedEnv(AGENT_ENV, AGENT_DEFAULTS);
    for (const name of RUN_FACTS_IN_AGENT_ENV) expect(env).not.toHaveProperty(name);
  });

  it('as another user, drops the agent’s per-user directories', () => {
    const env = inheritedEnv(AGENT_ENV, { ...AGENT_DEFAULTS, user: RUNNER });
    expect(env).not.toHaveProperty('XDG_CACHE_HOME');
    expect(env).not.toHaveProperty('TMINUS_CONFIG_DIR');
  });

  it('leaves the agent’s own environment untouched', () => {
    const before = { ...AGENT_ENV };
    inheritedEnv(AGENT_ENV, { secretEnv: ['HF_TOKEN'], wandbCredentials: false, user: RUNNER });
    expect(AGENT_ENV).toEqual(before);
  });
});

describe('--secret-env names', () => {
  it.each([
    ['HF_TOKEN', undefined],
    ['AWS_*', undefined],
    ['_PRIVATE', undefined],
    ['', /is not an environment variable name/],
    ['1PASSWORD', /not starting with a digit/],
    ['A-B', /is not an environment variable name/],
    ['*', /is not an environment variable name/],
    ['A*B', /is not an environment variable name/],
  ])('%j → %s', (name, problem) => {
    const found = secretEnvProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});
