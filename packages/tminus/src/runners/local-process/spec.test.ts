import { describe, expect, it } from 'vitest';

import type { LaunchSpec } from '@tminus/sdk/protocol';

import { buildArgv, buildProcessSpec, commandLine, scriptOf } from './spec.js';

const base = {
  runId: 'r1',
  entity: 'e',
  project: 'p',
  name: 'nice',
  queue: 'default',
  jobEntrypoint: ['main.py'],
  runConfig: { lr: 1 },
  configPath: '/tmp/c.json',
  apiUrl: 'http://x',
  runToken: 'tok',
  attempt: 1,
  baseEnv: { PATH: '/usr/bin', HOME: '/home/u', TMINUS_API_KEY: 'secret', WANDB_API_KEY: 'wb' },
  secretEnv: [],
  wandbCredentials: true,
};

describe('argv of a run', () => {
  it.each<[string, LaunchSpec, string[] | undefined, string[] | undefined]>([
    ['job entrypoint main.py runs with python3', {}, ['main.py'], ['python3', 'main.py']],
    [
      'args are appended',
      { overrides: { args: ['--lr', '1'] } },
      ['python3', 't.py'],
      ['python3', 't.py', '--lr', '1'],
    ],
    [
      'entry_point replaces the job’s',
      { overrides: { entry_point: ['bash', 'run.sh'], args: ['x'] } },
      ['main.py'],
      ['bash', 'run.sh', 'x'],
    ],
    [
      'an entry_point .py script gets python3',
      { overrides: { entry_point: ['train.py', '--fast'] } },
      ['main.py'],
      ['python3', 'train.py', '--fast'],
    ],
    [
      'an empty entry_point keeps the job’s',
      { overrides: { entry_point: [] } },
      ['main.py'],
      ['python3', 'main.py'],
    ],
    ['a non-python program is run as is', {}, ['./run.sh', 'a'], ['./run.sh', 'a']],
    ['no entrypoint at all', {}, [], undefined],
    ['no job', {}, undefined, undefined],
  ])('%s', (_name, spec, entry, argv) => {
    expect(buildArgv(spec, entry)).toEqual(argv);
  });
});

describe('the script an argv names', () => {
  it.each<[string[], string | undefined]>([
    [['python3', 'train.py', '--x'], 'train.py'],
    [['/usr/bin/python3.11', 'src/train.py'], 'src/train.py'],
    [['bash', 'run.sh'], 'run.sh'],
    [['./run.sh', 'x'], './run.sh'],
    [['scripts/go'], 'scripts/go'],
    [['python', '-m', 'pkg.train'], undefined],
    [['torchrun', 'train.py'], undefined],
    [['/opt/bin/tool'], undefined],
    [['python3', '/abs/train.py'], undefined],
    [['echo', 'hi'], undefined],
  ])('%j → %s', (argv, script) => {
    expect(scriptOf(argv)).toBe(script);
  });
});

describe('environment of a run', () => {
  it('sets the TMINUS_* and W&B variables', () => {
    const env = buildProcessSpec({ ...base, spec: { sweep_id: 's1' } })!.env;
    expect(env).toMatchObject({
      TMINUS_RUN_ID: 'r1',
      TMINUS_ENTITY: 'e',
      TMINUS_PROJECT: 'p',
      TMINUS_CONFIG: '{"lr":1}',
      TMINUS_CONFIG_PATH: '/tmp/c.json',
      TMINUS_API_URL: 'http://x',
      TMINUS_RUN_TOKEN: 'tok',
      TMINUS_QUEUE: 'default',
      WANDB_RUN_ID: 'r1',
      WANDB_CONFIG: '{"lr":1}',
      WANDB_LAUNCH: 'True',
      WANDB_PROJECT: 'p',
      WANDB_ENTITY: 'e',
      WANDB_NAME: 'nice',
      WANDB_SWEEP_ID: 's1',
      WANDB_LAUNCH_QUEUE_NAME: 'default',
      PATH: '/usr/bin',
      HOME: '/home/u',
    });
  });

  it('does not leak the agent’s tminus key; W&B’s passes through unless withheld (run-env.test.ts has the whole rule)', () => {
    const env = buildProcessSpec({ ...base, spec: {} })!.env;
    expect(env.TMINUS_API_KEY).toBeUndefined();
    expect(env.WANDB_API_KEY).toBe('wb');
    expect(base.baseEnv.TMINUS_API_KEY).toBe('secret'); // The agent's own environment is untouched.
    expect(
      buildProcessSpec({ ...base, wandbCredentials: false, spec: {} })!.env.WANDB_API_KEY,
    ).toBeUndefined();
  });

  it('the run token is the run’s own, whatever the agent’s environment holds', () => {
    const env = buildProcessSpec({
      ...base,
      baseEnv: { ...base.baseEnv, TMINUS_RUN_TOKEN: 'the-agents' },
      spec: {},
    })!.env;
    expect(env.TMINUS_RUN_TOKEN).toBe('tok');
  });

  it('leaves out what the run does not have, and says resume=allow on a retry', () => {
    const env = buildProcessSpec({ ...base, name: null, queue: null, spec: {} })!.env;
    expect(env).not.toHaveProperty('WANDB_NAME');
    expect(env).not.toHaveProperty('WANDB_SWEEP_ID');
    expect(env).not.toHaveProperty('TMINUS_QUEUE');
    expect(env).not.toHaveProperty('WANDB_LAUNCH_QUEUE_NAME');
    expect(env).not.toHaveProperty('WANDB_RESUME');
    expect(buildProcessSpec({ ...base, attempt: 2, spec: {} })!.env.WANDB_RESUME).toBe('allow');
  });

  it('as another user: that user’s HOME, USER and LOGNAME', () => {
    const user = { name: 'runner', uid: 1001, gid: 1002, groups: [1002, 44], home: '/home/runner' };
    const spec = buildProcessSpec({ ...base, user, spec: {} })!;
    expect(spec.env).toMatchObject({ HOME: '/home/runner', USER: 'runner', LOGNAME: 'runner' });
    expect(spec.user).toBe(user);
  });

  it('has no process spec without an entry point', () => {
    expect(buildProcessSpec({ ...base, jobEntrypoint: undefined, spec: {} })).toBeUndefined();
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
