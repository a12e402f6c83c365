import { describe, expect, it } from 'vitest';

import { runCommand } from '../container-engine/argv.js';
import type { ContainerState } from '../container-engine/index.js';
import { PrepareError } from '../prepare-error.js';
import type { LaunchPlan } from '../runner.js';
import { containerArgs, containerName, containerSpec } from './spec.js';
import { exitOf } from './status.js';

const plan = (extra: Partial<LaunchPlan> = {}): LaunchPlan => ({
  runId: 'ab12cd34',
  attempt: 2,
  argv: ['python3', 'train.py', '--lr', '0.1'],
  runEnv: { TMINUS_RUN_ID: 'ab12cd34', WANDB_CONFIG: '{"secret": "in the config"}' },
  inherit: {
    baseEnv: { PATH: '/host/bin', HOME: '/root', WANDB_API_KEY: 'wk', TMINUS_API_KEY: 'tk' },
    secretEnv: [],
    wandbCredentials: true,
  },
  dir: '/work/runs/ab12cd34-x',
  configPath: '/work/runs/ab12cd34-x/config.json',
  sourceDir: '/work/runs/ab12cd34-x/src',
  sourceLabel: 'e/p/j:v0',
  image: 'img:1',
  resourceArgs: { memory: '1g', env: ['GREETING=hi', 'TMINUS_RUN_ID=forged'] },
  ...extra,
});

describe('containerSpec', () => {
  const p = plan();
  const spec = containerSpec({
    plan: p,
    image: 'img:1',
    args: containerArgs(p),
    mountSource: true,
    labels: { 'tminus.run-id': p.runId },
    init: true,
  });

  it("carries the run's variables, W&B's credential and the args' env — none of the agent's own", () => {
    expect(spec.env).toEqual({
      GREETING: 'hi',
      TMINUS_RUN_ID: 'ab12cd34', // the run's own wins over resource_args
      WANDB_CONFIG: '{"secret": "in the config"}',
      WANDB_API_KEY: 'wk',
      TMINUS_CONFIG_PATH: '/tminus/config.json',
    });
  });

  it('puts no value on the command line; the program is the entry point, on the host network', () => {
    const { args } = runCommand(spec);
    expect(args.join(' ')).not.toContain('in the config');
    expect(args.join(' ')).not.toContain('wk');
    expect(args).toEqual([
      'run',
      '--detach',
      '--name',
      'tminus-ab12cd34-2',
      '--label',
      'tminus.run-id=ab12cd34',
      '--env',
      'GREETING',
      '--env',
      'TMINUS_RUN_ID',
      '--env',
      'WANDB_API_KEY',
      '--env',
      'WANDB_CONFIG',
      '--env',
      'TMINUS_CONFIG_PATH',
      '--init',
      '--network',
      'host',
      '--workdir',
      '/mnt/wandb',
      '--volume',
      '/work/runs/ab12cd34-x/config.json:/tminus/config.json:ro',
      '--volume',
      '/work/runs/ab12cd34-x/src:/mnt/wandb',
      '--entrypoint',
      'python3',
      '--memory=1g',
      'img:1',
      'train.py',
      '--lr',
      '0.1',
    ]);
  });

  it("an image's own entry point when the run names none; no source mount for a built image", () => {
    const bare = containerSpec({
      plan: plan({ argv: [] }),
      image: 'img:1',
      args: { flags: [], env: {} },
      mountSource: false,
      labels: {},
      init: false,
    });
    expect(bare).not.toHaveProperty('entrypoint');
    expect(bare).not.toHaveProperty('workdir');
    expect(bare.mounts).toHaveLength(1);
  });

  it('refused resource args fail before anything runs', () => {
    expect(() => containerArgs(plan({ resourceArgs: { privileged: true } }))).toThrow(PrepareError);
  });

  it('names containers by run and attempt, Docker-safe', () => {
    expect(containerName('a/b c', 3)).toBe('tminus-a-b-c-3');
  });
});

describe('exitOf', () => {
  const state = (extra: Partial<ContainerState>): ContainerState => ({
    id: 'c',
    name: 'n',
    image: 'i',
    status: 'exited',
    rawStatus: 'exited',
    exitCode: 0,
    oomKilled: false,
    error: null,
    startedAt: null,
    finishedAt: null,
    labels: {},
    ...extra,
  });

  it.each<[number, Partial<ContainerState>, object]>([
    [0, {}, { exitCode: 0, signal: null }],
    [3, {}, { exitCode: 3, signal: null }],
    [143, {}, { exitCode: 143, signal: 'SIGTERM' }],
    [137, { oomKilled: true }, { exitCode: 137, signal: 'SIGKILL', reason: 'oom_killed' }],
  ])('exit %i %j', (code, extra, expected) => {
    expect(exitOf(code, state(extra))).toMatchObject(expected);
  });

  it('an OOM kill says what to raise', () => {
    expect(exitOf(137, state({ oomKilled: true })).message).toContain(
      'raise memory in resource_args["local-container"]',
    );
  });
});
