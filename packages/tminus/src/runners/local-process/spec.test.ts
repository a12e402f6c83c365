import { describe, expect, it } from 'vitest';

import type { LaunchPlan } from '../runner.js';
import { commandLine, processSpec } from './spec.js';

const plan: LaunchPlan = {
  runId: 'r1',
  attempt: 1,
  argv: ['python3', 'main.py'],
  runEnv: { TMINUS_RUN_ID: 'r1', TMINUS_RUN_TOKEN: 'tok', WANDB_CONFIG: '{"lr":1}' },
  inherit: {
    baseEnv: { PATH: '/usr/bin', HOME: '/home/u', TMINUS_API_KEY: 'secret', WANDB_API_KEY: 'wb' },
    secretEnv: [],
    wandbCredentials: true,
  },
  dir: '/w/r1-abcd',
  configPath: '/w/r1-abcd/config.json',
  sourceDir: '/w/r1-abcd/src',
  sourceLabel: 'e/p/j:v0',
  image: undefined,
  resourceArgs: {},
};

describe('environment of a local process', () => {
  it('the agent’s environment, then the run’s variables and its config file', () => {
    expect(processSpec(plan)!.env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/home/u',
      TMINUS_RUN_ID: 'r1',
      WANDB_CONFIG: '{"lr":1}',
      TMINUS_CONFIG_PATH: '/w/r1-abcd/config.json',
    });
  });

  it('does not leak the agent’s tminus key; W&B’s passes through unless withheld (run-env.test.ts has the whole rule)', () => {
    const env = processSpec(plan)!.env;
    expect(env.TMINUS_API_KEY).toBeUndefined();
    expect(env.WANDB_API_KEY).toBe('wb');
    expect(plan.inherit.baseEnv.TMINUS_API_KEY).toBe('secret'); // The agent's own environment is untouched.
    const withheld = { ...plan, inherit: { ...plan.inherit, wandbCredentials: false } };
    expect(processSpec(withheld)!.env.WANDB_API_KEY).toBeUndefined();
  });

  it('the run token is the run’s own, whatever the agent’s environment holds', () => {
    const agentHasOne = {
      ...plan,
      inherit: {
        ...plan.inherit,
        baseEnv: { ...plan.inherit.baseEnv, TMINUS_RUN_TOKEN: 'the-agents' },
      },
    };
    expect(processSpec(agentHasOne)!.env.TMINUS_RUN_TOKEN).toBe('tok');
  });

  it('as another user: that user’s HOME, USER and LOGNAME', () => {
    const user = { name: 'runner', uid: 1001, gid: 1002, groups: [1002, 44], home: '/home/runner' };
    const spec = processSpec({ ...plan, user })!;
    expect(spec.env).toMatchObject({ HOME: '/home/runner', USER: 'runner', LOGNAME: 'runner' });
    expect(spec.user).toBe(user);
  });

  it('has no process spec without a program (an image’s own entry point)', () => {
    expect(processSpec({ ...plan, argv: [] })).toBeUndefined();
  });
});

describe('the command spawned', () => {
  const argv = ['python3', 'train.py', '--lr', '1'] as const;
  it.each<[string, { uid: number; gid: number; groups: number[] } | undefined, string[]]>([
    ['as the agent: the program itself', undefined, [...argv]],
    [
      'as another user: setpriv (uid, gid, supplementary groups, no capabilities), then env finds the program on PATH as that user',
      { uid: 1001, gid: 1002, groups: [1002, 44, 109] },
      [
        'setpriv',
        '--reuid=1001',
        '--regid=1002',
        '--groups',
        '1002,44,109',
        '--inh-caps=-all',
        '--',
        '/usr/bin/env',
        ...argv,
      ],
    ],
    [
      'as a user without supplementary groups: the agent’s are cleared',
      { uid: 1001, gid: 1002, groups: [] },
      [
        'setpriv',
        '--reuid=1001',
        '--regid=1002',
        '--clear-groups',
        '--inh-caps=-all',
        '--',
        '/usr/bin/env',
        ...argv,
      ],
    ],
  ])('%s', (_name, ids, expected) => {
    const user = ids === undefined ? undefined : { name: 'runner', home: '/home/runner', ...ids };
    expect(commandLine({ argv, env: {}, ...(user === undefined ? {} : { user }) })).toEqual(
      expected,
    );
  });
});
