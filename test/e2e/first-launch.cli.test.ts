/**
 * The first launch from the command line: `tminus up` spawned as a user starts it, then the built
 * `tminus` binary creates jobs, launches them through the queue and directly, and reads the results.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGitRepo, PRINT_CONFIG_PY } from '../helpers/git.js';
import { tempDir } from '../helpers/temp.js';
import { startUp, type UpProcess } from '../helpers/up.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/linear-regression', import.meta.url));
let up: UpProcess;
const dir = tempDir('cli');

beforeAll(async () => {
  up = await startUp(['--allow-local-repo', dir.path]);
});
afterAll(async () => {
  await up.stop();
  dir.remove();
});

async function finishedRunOf(stdout: string) {
  const item = JSON.parse(stdout) as { id: string };
  return (await QueuedRun.get(up.api, item.id)).waitUntilFinished({ timeoutMs: 30_000 });
}

describe('tminus up', () => {
  it('writes the API key to the CLI config with mode 0600 and tells the user how to launch the example', () => {
    const mode = statSync(join(up.env.TMINUS_CONFIG_DIR!, 'config.json')).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(up.entity).toBe('alice');
    expect(up.output()).toContain('tminus launch');
  });
});

describe('a code job through the queue', () => {
  it('creates the job once ("No changes detected" the second time) and runs the example with overrides', async () => {
    const created = await up.cli([
      'job',
      'create',
      'code',
      EXAMPLE,
      '-p',
      'demo',
      '-n',
      'linreg',
      '-E',
      'python3 train.py',
    ]);
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.stdout).toContain('Created job alice/demo/linreg:v0');
    const again = await up.cli([
      'job',
      'create',
      'code',
      EXAMPLE,
      '-p',
      'demo',
      '-n',
      'linreg',
      '-E',
      'python3 train.py',
    ]);
    expect(again.stdout).toContain('No changes detected');

    const launched = await up.cli([
      'launch',
      '-j',
      'alice/demo/linreg:latest',
      '-q',
      'default',
      '--json',
      '-c',
      JSON.stringify({ overrides: { run_config: { lr: 0.1, epochs: 4 } } }),
    ]);
    expect(launched.code).toBe(0);
    const run = await finishedRunOf(launched.stdout);
    expect(run.state).toBe('finished');

    const logs = await up.cli(['run', 'logs', run.id]);
    expect(logs.stdout).toContain('"epochs": 4');
    expect(logs.stdout).toContain('"lr": 0.1');
    expect(logs.stdout).toContain('epoch 4 loss');
    expect(logs.stdout).not.toContain('epoch 5 loss');

    const shown = await up.cli(['run', 'show', run.id, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: run.id, state: 'finished', exitCode: 0 });

    // Its history: created as it was claimed, then each state the agent reported, in order.
    const history = await up.cli(['run', 'history', run.id, '--json']);
    const states = (JSON.parse(history.stdout) as { from: string | null; to: string }[]).map(
      (t) => [t.from, t.to],
    );
    expect(states).toEqual([
      [null, 'starting'],
      ['starting', 'running'],
      ['running', 'finished'],
    ]);
    const table = await up.cli(['run', 'history', run.id]);
    expect(table.stdout).toMatch(/AT\s+STATE\s+FROM\s+ATTEMPT/);
    expect(table.stdout).toMatch(/finished\s+running\s+1/);
  });
});

describe('a git job through the queue', () => {
  it('creates a git job from a local repository (pinned to HEAD) and launches it with -q', async () => {
    const repo = createGitRepo(join(dir.path, 'repo'));
    const commit = repo.commit({ 'main.py': PRINT_CONFIG_PY });
    const created = await up.cli([
      'job',
      'create',
      'git',
      repo.path,
      '-p',
      'mnist',
      '-n',
      'gitjob',
      '-E',
      'python3 main.py',
    ]);
    expect(created.stdout).toContain('Created job alice/mnist/gitjob:v0');
    const launched = await up.cli([
      'launch',
      '-j',
      'alice/mnist/gitjob:latest',
      '-q',
      '--json',
      '-c',
      '{"overrides":{"run_config":{"seed":42}}}',
    ]);
    expect(launched.code).toBe(0);
    const run = await finishedRunOf(launched.stdout);
    expect(run.state).toBe('finished');
    expect(run.sourceCommit).toBe(commit);
    expect((await up.cli(['run', 'logs', run.id])).stdout).toContain('config={"seed": 42}');
  });
});

describe('local repositories `tminus up`’s agent clones', () => {
  it('one under the user’s home needs no flag', async () => {
    const repo = createGitRepo(join(up.env.HOME!, 'code', 'homejob'));
    repo.commit({ 'main.py': PRINT_CONFIG_PY });
    const launched = await up.cli(['launch', '--uri', repo.path, '-q', '--json']);
    expect(launched.code).toBe(0);
    expect((await finishedRunOf(launched.stdout)).state).toBe('finished');
  });
});

describe('tminus launch without a queue (direct)', () => {
  it('runs the job here, streams its output and exits 0', async () => {
    const result = await up.cli([
      'launch',
      '-j',
      'alice/demo/linreg:latest',
      '-c',
      '{"overrides":{"run_config":{"epochs":2}}}',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('epoch 2 loss');
  });

  it('exits non-zero when the run fails and says why', async () => {
    const result = await up.cli([
      'launch',
      '-j',
      'alice/demo/linreg:latest',
      '-c',
      '{"overrides":{"run_config":{"fail_at_epoch":1}}}',
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toContain('diverged at epoch 1');
    expect(result.stderr).toMatch(/exit(ed)? (with )?code 3|exit code 3/i);
  });
});

describe('reading', () => {
  it('run list --json lists the runs, queue list shows the default queue', async () => {
    const runs = JSON.parse((await up.cli(['run', 'list', '--json'])).stdout) as
      { items?: { id: string }[] } | { id: string }[];
    const items = Array.isArray(runs) ? runs : (runs.items ?? []);
    expect(items.length).toBeGreaterThanOrEqual(4);
    const queues = await up.cli(['queue', 'list']);
    expect(queues.stdout).toContain('default');
  });

  it('run list --job keeps the runs of that job (by name, with or without project and version) and refuses a malformed one', async () => {
    const list = async (...args: string[]) =>
      (
        JSON.parse(
          (await up.cli(['run', 'list', '--json', '--limit', '1000', ...args])).stdout,
        ) as {
          items: { id: string; job: string | null }[];
        }
      ).items;
    const all = await list();
    const linreg = all.filter((r) => r.job?.startsWith('alice/demo/linreg:'));
    expect(linreg.length).toBeGreaterThanOrEqual(3);
    expect(linreg.length).toBeLessThan(all.length); // the git job's runs are not linreg's
    expect(await list('--job', 'linreg')).toEqual(linreg);
    expect(await list('--job', 'demo/linreg:v0')).toEqual(
      linreg.filter((r) => r.job === 'alice/demo/linreg:v0'),
    );
    expect(await list('--job', 'lin')).toEqual([]);
    const refused = await up.cli(['run', 'list', '--job', 'lin reg']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('job');
    expect(refused.stderr).toContain('entity/project/name');
  });

  it('agent list shows the local agent of `tminus up`; run explain explains a pending run', async () => {
    const agents = JSON.parse((await up.cli(['agent', 'list', '--json'])).stdout) as {
      queues: string[];
      status: string;
    }[];
    expect(agents).toEqual([expect.objectContaining({ queues: ['default'] })]);
    // No --prioritization: off, as W&B's queues and the API default to.
    await up.cli(['queue', 'create', 'nobody']);
    const described = JSON.parse((await up.cli(['queue', 'describe', 'nobody', '--json'])).stdout);
    expect(described).toMatchObject({ prioritization: false });
    const launched = await up.cli([
      'launch',
      '-j',
      'alice/demo/linreg:latest',
      '-q',
      'nobody',
      '--json',
    ]);
    const item = JSON.parse(launched.stdout) as { id: string };
    const explained = await up.cli(['run', 'explain', item.id]);
    expect(explained.stdout).toContain('Position 1 in queue nobody');
    expect(explained.stdout).toContain('no agent has polled this queue');
    const refused = await up.cli([
      'launch',
      '-j',
      'alice/demo/linreg:latest',
      '-q',
      'nobody',
      '-P',
      'high',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('does not have prioritization enabled');
  });

  it('an unknown job is an error with a hint and exit code 1', async () => {
    const result = await up.cli(['launch', '-j', 'alice/demo/nope:latest', '-q']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('alice/demo/nope:latest not found');
    expect(result.stderr).toContain('hint:');
  });
});
