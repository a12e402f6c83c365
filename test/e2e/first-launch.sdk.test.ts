/**
 * The first launch end to end through the SDK: launchAdd → queue → agent → local process → finished,
 * against a real server, real agents, real git repositories and real Python processes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ExecutionError, launch, launchAdd, LaunchError, QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGitRepo, PRINT_CONFIG_PY } from '../helpers/git.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';
import { uploadCodeJob } from '../helpers/code-job.js';

let stack: TestStack;
const dir = tempDir('first-launch');
let repo: ReturnType<typeof createGitRepo>;
let firstCommit: string;
let secondCommit: string;

async function logsOf(runId: string): Promise<string> {
  const page = await stack.api.request('getLogs', { params: { id: runId } });
  return page.lines.map((l) => l.text).join('\n');
}

beforeAll(async () => {
  stack = await startStack();
  await stack.startAgent(['default'], 4, { allowLocalRepos: [dir.path] });
  repo = createGitRepo(join(dir.path, 'repo'));
  firstCommit = repo.commit({ 'main.py': PRINT_CONFIG_PY, 'version.txt': 'one' });
  secondCommit = repo.commit({
    'main.py': PRINT_CONFIG_PY.replace('config=', 'v2 config='),
    'version.txt': 'two',
  });
  await stack.api.request('createJob', {
    body: {
      project: 'mnist',
      name: 'train',
      source: { type: 'git', remote: repo.path, commit: firstCommit, entrypoint: ['main.py'] },
    },
  });
});

afterAll(async () => {
  await stack.close();
  dir.remove();
});

describe('launchAdd with a git job', () => {
  it('runs the job with the override config and finishes', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      config: { overrides: { run_config: { lr: 0.01, epochs: 3 }, args: ['--verbose'] } },
    });
    expect(queued.queueName).toBe('default');
    expect(queued.entity).toBe(stack.entity);
    expect(queued.project).toBe('mnist');
    const started = await queued.waitUntilStarted({ timeoutMs: 30_000 });
    expect(started.id).toMatch(/^[a-z0-9]{8}$/);
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('finished');
    expect(run.exitCode).toBe(0);
    expect(run.sourceCommit).toBe(firstCommit);
    expect(run.config).toEqual({ lr: 0.01, epochs: 3 });
    const logs = await logsOf(run.id);
    expect(logs).toContain('config={"epochs": 3, "lr": 0.01}');
    expect(logs).toContain('args=["--verbose"]');
    expect(logs).toContain(`run_id=${run.id}`);
    expect(logs).toContain('launch=True');
    expect(await queued.state()).toBe('claimed');
  });

  it('checks out the version asked for (git version= overrides the job commit)', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:v0`,
      version: secondCommit,
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('finished');
    expect(run.sourceCommit).toBe(secondCommit);
    expect(await logsOf(run.id)).toContain('v2 config={}');
  });

  it('uses a given runId, and accepts the seeds’ parameters= as run-config overrides', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      runId: 'myrun001',
      parameters: { alpha: 0.5, l1_ratio: 0.01 },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.id).toBe('myrun001');
    expect(await logsOf(run.id)).toContain('config={"alpha": 0.5, "l1_ratio": 0.01}');
  });
});

describe('launchAdd with a code job', () => {
  it('runs an uploaded snapshot with overrides', async () => {
    const code = join(dir.path, 'code');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'train.py'), PRINT_CONFIG_PY);
    const job = await uploadCodeJob(stack.api, code, {
      project: 'demo',
      name: 'snap',
      entrypoint: ['python3', 'train.py'],
    });
    const queued = await launchAdd({
      api: stack.api,
      job: job.ref,
      config: { overrides: { run_config: { lr: 0.2 } } },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('finished');
    expect(await logsOf(run.id)).toContain('config={"lr": 0.2}');
  });
});

describe('launchAdd with uri=', () => {
  it('turns a local repository into a job (entry point main.py by default) and runs it — the seed example', async () => {
    // The seeds' example: launch_add(uri=project_uri, parameters=params)
    const queued = await launchAdd({ api: stack.api, uri: repo.path, parameters: { alpha: 0.5 } });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('finished');
    expect(run.job).toMatch(new RegExp(`^${stack.entity}/repo/job-repo:v\\d+$`));
    expect(await logsOf(run.id)).toContain('config={"alpha": 0.5}');
  });

  it('honours version= and entryPoint= with a uri', async () => {
    const queued = await launchAdd({
      api: stack.api,
      uri: repo.path,
      version: firstCommit,
      entryPoint: ['python3', 'main.py', '--x'],
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.sourceCommit).toBe(firstCommit);
    expect(await logsOf(run.id)).toContain('args=["--x"]');
  });
});

describe('failures', () => {
  it('a failing program ends failed with its exit code and its stderr retrievable', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      config: { overrides: { run_config: { exit_code: 7 } } },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('failed');
    expect(run.exitCode).toBe(7);
    expect(run.failure).toMatchObject({ stage: 'run' });
    const page = await stack.api.request('getLogs', { params: { id: run.id } });
    expect(page.lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toContain(
      'failing with 7',
    );
  });

  it('a bad git ref fails the run at the agent stage with an actionable message', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      version: 'no-such-branch',
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('failed');
    expect(run.failure?.stage).toBe('agent');
    expect(run.failure?.message).toContain('no-such-branch');
  });

  it('a missing entrypoint fails at the agent stage naming the file', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      entryPoint: ['python3', 'nope.py'],
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('failed');
    expect(run.failure?.stage).toBe('agent');
    expect(run.failure?.message).toContain('nope.py');
  });

  it('a local repository outside the directories the agent allows fails at the agent stage, saying how to allow it', async () => {
    const elsewhere = tempDir('not-allowed');
    try {
      const other = createGitRepo(join(elsewhere.path, 'other'));
      other.commit({ 'main.py': PRINT_CONFIG_PY });
      const queued = await launchAdd({ api: stack.api, uri: other.path });
      const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
      expect(run.state).toBe('failed');
      expect(run.failure?.stage).toBe('agent');
      expect(run.failure?.message).toContain(`The git repository ${other.path} is a local path`);
      expect(run.failure?.message).toContain('--allow-local-repo DIR');
    } finally {
      elsewhere.remove();
    }
  });

  it('rejects an unknown job before enqueueing anything', async () => {
    const error = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/missing:latest`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('NOT_FOUND');
    expect((error as LaunchError).message).toContain('mnist/missing:latest');
  });

  it('rejects an unknown queue, naming the queues that exist', async () => {
    const error = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      queueName: 'gpu',
    }).catch((e: unknown) => e)) as LaunchError;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('Queue "gpu" not found');
    expect(error.hint).toContain('default');
  });

  it.each([
    [{}, 'Exactly one of job or docker_image must be specified in the launch spec.'],
    [
      { job: 'a/b/c', dockerImage: 'x' },
      'Exactly one of job or docker_image must be specified in the launch spec.',
    ],
    [
      { job: 'not-a-ref' },
      'a job must be of the form <entity>/<project>/<job-name>:<alias-or-version>',
    ],
    [
      { job: 'a/b/c', config: { overrides: { args: '--lr 1' } } },
      'override args must be a list of strings',
    ],
  ])('validates the launch spec before sending it: %j', async (options, message) => {
    const error = (await launchAdd({ api: stack.api, ...options }).catch(
      (e: unknown) => e,
    )) as LaunchError;
    expect(error).toBeInstanceOf(LaunchError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(message);
  });
});

describe('QueuedRun.delete()', () => {
  it('removes a pending item from a queue no agent polls', async () => {
    await stack.api.request('createQueue', { body: { name: 'idle' } });
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      queueName: 'idle',
    });
    expect(await queued.state()).toBe('pending');
    await queued.delete();
    const error = (await QueuedRun.get(stack.api, queued.id).catch(
      (e: unknown) => e,
    )) as LaunchError;
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('cancel', () => {
  it('QueuedRun.cancel() of a running run stops its process and the run ends stopped', async () => {
    const sleeper = repo.commit({
      'sleep.py': 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n',
    });
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/mnist/train:latest`,
      version: sleeper,
      entryPoint: ['python3', 'sleep.py'],
    });
    const started = await queued.waitUntilStarted({ timeoutMs: 30_000 });
    await stack.api.request('getRun', {
      params: { id: started.id },
      query: { waitFor: 'started', waitMs: 20_000 },
    });
    await queued.cancel();
    const run = await queued.waitUntilFinished({ timeoutMs: 30_000 });
    expect(run.state).toBe('stopped');
    await queued.cancel(); // idempotent
    expect((await stack.api.request('getRun', { params: { id: run.id } })).state).toBe('stopped');
  });
});

describe('launch() — runs here, without a queue', () => {
  it('synchronous success: the run is recorded with its logs', async () => {
    const submitted = await launch(stack.api, {
      job: `${stack.entity}/mnist/train:latest`,
      config: { overrides: { run_config: { lr: 0.3 } } },
    });
    expect(await submitted.wait()).toBe(true);
    expect(await submitted.getStatus()).toBe('finished');
    expect(await submitted.getLogs()).toContain('config={"lr": 0.3}');
    const list = await stack.api.request('listRuns', { query: {} });
    expect(list.items.map((r) => r.id)).toContain(submitted.id);
  });

  it('synchronous failure throws ExecutionError', async () => {
    const error = await launch(stack.api, {
      job: `${stack.entity}/mnist/train:latest`,
      config: { overrides: { run_config: { exit_code: 4 } } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as ExecutionError).code).toBe('RUN_FAILED');
    expect((error as ExecutionError).message).toMatch(/failed/);
  });

  it('asynchronous: returns at once, wait() reports success', async () => {
    const submitted = await launch(stack.api, {
      job: `${stack.entity}/mnist/train:latest`,
      synchronous: false,
    });
    expect(await submitted.wait()).toBe(true);
  });
});
