import { describe, expect, it } from 'vitest';

import { startLocalProcess } from './runner.js';
import { buildArgv, buildProcessSpec } from './spec.js';

const base = {
  runId: 'r1', entity: 'e', project: 'p', name: 'nice', queue: 'default', jobEntrypoint: ['main.py'], runConfig: { lr: 1 },
  configPath: '/tmp/c.json', apiUrl: 'http://x', runToken: 'tok', attempt: 1,
  baseEnv: { PATH: process.env.PATH, TMINUS_API_KEY: 'secret', WANDB_API_KEY: 'secret' },
};

describe('local-process spec', () => {
  it.each([
    [{}, ['main.py'], ['python3', 'main.py']],
    [{ overrides: { args: ['--lr', '1'] } }, ['python3', 't.py'], ['python3', 't.py', '--lr', '1']],
    [{ overrides: { entry_point: ['bash', 'run.sh'], args: ['x'] } }, ['main.py'], ['bash', 'run.sh', 'x']],
    [{}, [], undefined],
  ])('argv for %j with job entrypoint %j', (spec, entry, argv) => {
    expect(buildArgv(spec, entry)).toEqual(argv);
  });

  it('sets the TMINUS_* and W&B variables and does not leak the agent’s keys', () => {
    const env = buildProcessSpec({ ...base, spec: { sweep_id: 's1' } })!.env;
    expect(env).toMatchObject({
      TMINUS_RUN_ID: 'r1', TMINUS_CONFIG: '{"lr":1}', TMINUS_CONFIG_PATH: '/tmp/c.json', WANDB_CONFIG: '{"lr":1}',
      WANDB_LAUNCH: 'True', WANDB_RUN_ID: 'r1', WANDB_PROJECT: 'p', WANDB_ENTITY: 'e', WANDB_NAME: 'nice', WANDB_SWEEP_ID: 's1',
      WANDB_LAUNCH_QUEUE_NAME: 'default', TMINUS_RUN_TOKEN: 'tok',
    });
    expect(env.TMINUS_API_KEY).toBeUndefined();
    expect(env.WANDB_API_KEY).toBeUndefined();
    expect(env.WANDB_RESUME).toBeUndefined();
    expect(buildProcessSpec({ ...base, attempt: 2, spec: {} })!.env.WANDB_RESUME).toBe('allow');
  });
});

describe('local-process runner', () => {
  const run = (script: string) => {
    const lines: string[] = [];
    const started = startLocalProcess({ argv: ['/bin/sh', '-c', script], env: { PATH: process.env.PATH } }, '/tmp', (s, t) => lines.push(`${s}:${t}`));
    return { lines, started };
  };

  it('captures stdout and stderr lines in order, a final unterminated line, and the exit code', async () => {
    const { lines, started } = run('echo a; echo b >&2; printf c; exit 5');
    const exit = await (await started).exited;
    expect(exit.exitCode).toBe(5);
    expect(lines).toContain('stdout:a');
    expect(lines).toContain('stderr:b');
    expect(lines).toContain('stdout:c');
  });

  it('stop() ends a sleeping process with SIGTERM', async () => {
    const { started } = run('sleep 30');
    const exit = await (await started).stop(5_000);
    expect(exit.signal).toBe('SIGTERM');
    expect(exit.exitCode).toBe(128 + 15);
  });

  it('stop() escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const { lines, started } = run('trap "echo got-term" TERM; echo ready; while true; do sleep 0.05; done');
    const child = await started;
    while (!lines.includes('stdout:ready')) await new Promise((r) => setTimeout(r, 10));
    const exit = await child.stop(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(lines).toContain('stdout:got-term');
  });
});
