import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Api, LaunchError } from '@tminus/sdk';
import type { JobSource, JobVersion, LaunchSpec, Run } from '@tminus/sdk/protocol';

import { createGitRepo } from '../../../../test/helpers/git.js';
import { tempDir } from '../../../../test/helpers/temp.js';
import { DEFAULT_RUN_DIR_POLICY, type RunDirPolicy, RunDirRetention } from './run-dirs.js';
import { executeRun } from './execute-run.js';
import type { NumberedLines, ReportedLine, RunReporter } from './run-reporter.js';
import { runTokenFor } from '../lib/run-token.js';
import { runnerSet } from '../runners/runner-set.js';

/** Prints what a launched program sees, then sleeps or fails as its config says. */
const PROGRAM = `import json, os, sys, time
config = json.loads(os.environ["TMINUS_CONFIG"])
print("config=" + json.dumps(config, sort_keys=True))
print("file=" + open(os.environ["TMINUS_CONFIG_PATH"]).read())
print("args=" + json.dumps(sys.argv[1:]))
for k in ["TMINUS_RUN_ID", "WANDB_RUN_ID", "WANDB_LAUNCH", "WANDB_PROJECT", "WANDB_ENTITY", "WANDB_NAME", "TMINUS_API_URL", "TMINUS_RUN_TOKEN"]:
    print(k + "=" + os.environ.get(k, "<unset>"))
print("api_key=" + os.environ.get("TMINUS_API_KEY", "<unset>"))
print("cwd_has_main=" + str(os.path.exists("main.py")))
print("oops", file=sys.stderr)
sys.stdout.flush()
if config.get("trap"):
    import signal
    signal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", flush=True))
if config.get("sleep"):
    print("sleeping", flush=True)
    time.sleep(config["sleep"])
sys.exit(int(config.get("exit_code", 0)))
`;

/** Records what the run reports, in order: our seam, not a mock of I/O. */
class RecordingReporter implements RunReporter {
  readonly statuses: Parameters<RunReporter['status']>[0][] = [];
  readonly lines: ReportedLine[] = [];
  failStatus?: (state: string) => Error | undefined;
  failLogs?: () => Error | undefined;
  /** How many log lines arrived with each status report. */
  readonly linesWithStatus: number[] = [];

  async status(update: Parameters<RunReporter['status']>[0], last?: NumberedLines): Promise<void> {
    const error = this.failStatus?.(update.state);
    if (error) throw error;
    const lines = last?.lines ?? [];
    this.lines.push(...lines);
    this.linesWithStatus.push(lines.length);
    this.statuses.push(update);
  }
  async logs(lines: readonly ReportedLine[]): Promise<{ truncated: boolean }> {
    const error = this.failLogs?.();
    if (error) throw error;
    this.lines.push(...lines);
    return { truncated: false };
  }
  get states() {
    return this.statuses.map((s) => s.state);
  }
  get stdout() {
    return this.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
  }
  async waitFor(text: string) {
    while (!this.stdout.includes(text)) await new Promise((r) => setTimeout(r, 10));
  }
}

let tmp: ReturnType<typeof tempDir>;
let repo: ReturnType<typeof createGitRepo>;
let commit: string;
beforeEach(() => {
  tmp = tempDir('execute-run');
  repo = createGitRepo(join(tmp.path, 'origin'));
  commit = repo.commit({ 'main.py': PROGRAM });
});
afterEach(() => tmp.remove());

const api = new Api({ baseUrl: 'http://127.0.0.1:9', apiKey: 'agent-key' });

function job(source: Partial<JobSource> = {}): JobVersion {
  return {
    entity: 'e',
    project: 'p',
    name: 'j',
    version: 'v0',
    versionIndex: 0,
    aliases: ['latest'],
    digest: 'd',
    description: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    ref: 'e/p/j:v0',
    source: {
      type: 'git',
      remote: repo.path,
      commit,
      entrypoint: ['main.py'],
      ...source,
    } as JobSource,
  };
}

function start(
  spec: LaunchSpec,
  options: {
    job?: JobVersion | null;
    grace?: number;
    reporter?: RecordingReporter;
    runDirPolicy?: RunDirPolicy;
  } = {},
) {
  const reporter = options.reporter ?? new RecordingReporter();
  const run: Run = {
    id: 'abcd1234',
    entity: 'e',
    project: 'p',
    name: 'nice',
    state: 'starting',
    queueItemId: 'qi',
    queue: 'default',
    job: 'e/p/j:v0',
    config: {},
    spec,
    exitCode: null,
    failure: null,
    summary: {},
    createdBy: 'alice',
    agentId: 'a',
    attempt: 1,
    sourceCommit: null,
    runDir: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    waiting: null,
  };
  const execution = executeRun({
    api,
    reporter,
    run,
    fencingToken: 'tok-1',
    job: options.job === undefined ? job() : options.job,
    spec,
    cacheDir: join(tmp.path, 'cache'),
    workDir: join(tmp.path, 'work'),
    stopGraceMs: options.grace ?? 5_000,
    isolation: { secretEnv: [], wandbCredentials: true, localRepos: [tmp.path] },
    runners: runnerSet(),
    runDirs: new RunDirRetention(
      join(tmp.path, 'work'),
      options.runDirPolicy ?? DEFAULT_RUN_DIR_POLICY,
    ),
  });
  return { reporter, execution };
}

describe('executing a run', () => {
  it('runs a git job at its commit with its config, ships its output, and reports finished', async () => {
    process.env.TMINUS_API_KEY = 'agent-secret';
    try {
      const { reporter, execution } = start({
        overrides: { run_config: { lr: 0.1 }, args: ['--epochs', '2'] },
      });
      expect(await execution.done).toEqual({ state: 'finished', exitCode: 0 });
      expect(reporter.states).toEqual(['running', 'finished']);
      const [dir] = readdirSync(join(tmp.path, 'work')).filter((n) =>
        /^abcd1234-[0-9a-f]{8}$/.test(n),
      );
      expect(reporter.statuses[0]).toEqual({
        state: 'running',
        config: { lr: 0.1 },
        sourceCommit: commit,
        runDir: join(tmp.path, 'work', dir!),
      });
      expect(reporter.statuses[1]).toEqual({ state: 'finished', exitCode: 0 });
      expect(reporter.stdout).toEqual([
        'config={"lr": 0.1}',
        'file={"lr":0.1}',
        'args=["--epochs", "2"]',
        'TMINUS_RUN_ID=abcd1234',
        'WANDB_RUN_ID=abcd1234',
        'WANDB_LAUNCH=True',
        'WANDB_PROJECT=p',
        'WANDB_ENTITY=e',
        'WANDB_NAME=nice',
        'TMINUS_API_URL=http://127.0.0.1:9',
        // The run's own credential, derived from (and not revealing) the attempt's fencing token.
        `TMINUS_RUN_TOKEN=${runTokenFor('abcd1234', 'tok-1')}`,
        'api_key=<unset>',
        'cwd_has_main=True',
      ]);
      expect(reporter.lines).toContainEqual({ stream: 'stderr', text: 'oops' });
      expect(reporter.lines.filter((l) => l.stream === 'system')).toEqual([]);
      // The run's directory is kept, recorded as ended (for the retention); the cache stays too.
      expect(readdirSync(join(tmp.path, 'work')).sort()).toEqual([dir, `${dir}.ended`]);
      expect(existsSync(join(tmp.path, 'work', dir!, 'src', 'main.py'))).toBe(true);
      expect(existsSync(join(tmp.path, 'cache', 'git'))).toBe(true);
    } finally {
      delete process.env.TMINUS_API_KEY;
    }
  });

  it('with a retention that keeps nothing, the run’s directory goes when the run ends', async () => {
    const { execution } = start({}, { runDirPolicy: { maxAgeMs: 0, maxBytes: 0 } });
    expect(await execution.done).toEqual({ state: 'finished', exitCode: 0 });
    expect(readdirSync(join(tmp.path, 'work'))).toEqual([]);
  });

  it('entry_point replaces the job’s entrypoint', async () => {
    repo.commit({ 'other.py': 'import sys\nprint("other", sys.argv[1:])\n' });
    const { reporter, execution } = start({
      git: { version: 'main' },
      overrides: { entry_point: ['python3', 'other.py'], args: ['x'] },
    });
    await execution.done;
    expect(reporter.stdout).toEqual(["other ['x']"]);
  });

  it('reports a nonzero exit as failed at stage run', async () => {
    const { reporter, execution } = start({ overrides: { run_config: { exit_code: 3 } } });
    expect(await execution.done).toEqual({ state: 'failed', exitCode: 3 });
    expect(reporter.statuses.at(-1)).toEqual({
      state: 'failed',
      exitCode: 3,
      failure: { stage: 'run', reason: 'exit_code', message: 'Process exited with code 3' },
    });
  });

  it.each<[string, LaunchSpec, (() => JobVersion | null) | undefined, string, RegExp]>([
    [
      'a missing entrypoint',
      { overrides: { entry_point: ['train.py'] } },
      undefined,
      'entrypoint_missing',
      /^Entrypoint "train\.py" not found in the job's source \(e\/p\/j:v0 at [0-9a-f]{7}\); set -E\/--entry-point or fix the job$/,
    ],
    [
      'a bad git ref',
      { git: { version: 'nope' } },
      undefined,
      'git_ref',
      /^Could not find git ref "nope" in .*: check the commit, branch or tag/,
    ],
    [
      'another resource',
      { resource: 'kubernetes' },
      undefined,
      'unsupported_resource',
      /^This agent has no runner for resource "kubernetes" \(it has: local-process\)/,
    ],
    [
      'a docker image',
      { docker: { docker_image: 'python:3.12' } },
      () => null,
      'image_unsupported',
      /executes the image python:3\.12, which needs a container runner.*resource is local-container$/,
    ],
    [
      'an image job',
      {},
      () => ({ ...job(), source: { type: 'image', image: 'img:1' } }),
      'image_unsupported',
      /executes the image img:1, which needs a container runner/,
    ],
    [
      'a program that is not installed',
      { overrides: { entry_point: ['no-such-program-xyz'] } },
      undefined,
      'spawn',
      /Could not start "no-such-program-xyz".*PATH/,
    ],
  ])(
    'fails at stage agent on %s, saying what to fix',
    async (_name, spec, theJob, reason, message) => {
      const { reporter, execution } = start(spec, theJob === undefined ? {} : { job: theJob() });
      expect(await execution.done).toEqual({ state: 'failed', exitCode: null });
      expect(reporter.states).toEqual(['failed']);
      const { failure } = reporter.statuses[0]!;
      expect(failure).toMatchObject({ stage: 'agent', reason });
      expect(failure!.message).toMatch(message);
      expect(reporter.lines.at(-1)).toEqual({
        stream: 'system',
        text: `tminus: ${failure!.message}`,
      });
    },
  );

  it('cancel stops a running process with SIGTERM and reports stopped', async () => {
    const { reporter, execution } = start({ overrides: { run_config: { sleep: 60 } } });
    await reporter.waitFor('sleeping');
    await execution.cancel();
    expect(await execution.done).toEqual({ state: 'stopped', exitCode: 143 });
    expect(reporter.statuses.at(-1)).toEqual({ state: 'stopped', exitCode: 143 });
  });

  it('cancel escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const { reporter, execution } = start(
      { overrides: { run_config: { sleep: 60, trap: true } } },
      { grace: 300 },
    );
    await reporter.waitFor('sleeping');
    await execution.cancel();
    expect(await execution.done).toEqual({ state: 'stopped', exitCode: 137 });
    expect(reporter.stdout).toContain('ignoring SIGTERM');
  });

  it('a cancel while the source is prepared ends the run stopped without starting it', async () => {
    const reporter = new RecordingReporter();
    const { execution } = start({}, { reporter });
    await execution.cancel(); // the source is still being prepared
    expect(await execution.done).toEqual({ state: 'stopped', exitCode: null });
    expect(reporter.states).toEqual(['stopped']);
    expect(reporter.stdout).toEqual([]);
  });

  it('a stale token on a status write kills the process and reports nothing more', async () => {
    const reporter = new RecordingReporter();
    reporter.failStatus = (state) =>
      state === 'running' ? new LaunchError('STALE_TOKEN', 'stale') : undefined;
    const { execution } = start({ overrides: { run_config: { sleep: 60 } } }, { reporter });
    const began = Date.now();
    expect((await execution.done).state).toBe('crashed');
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(reporter.states).toEqual([]);
  });

  it('a stale token on a log write kills the process and reports nothing more', async () => {
    const reporter = new RecordingReporter();
    reporter.failLogs = () =>
      reporter.statuses.length >= 1 ? new LaunchError('STALE_TOKEN', 'stale') : undefined;
    const { execution } = start({ overrides: { run_config: { sleep: 60 } } }, { reporter });
    expect((await execution.done).state).toBe('crashed');
    expect(reporter.states).toEqual(['running']);
  });

  it('abandon kills the process and reports nothing more', async () => {
    const { reporter, execution } = start({ overrides: { run_config: { sleep: 60 } } });
    await reporter.waitFor('sleeping');
    await execution.abandon();
    expect((await execution.done).state).toBe('crashed');
    expect(reporter.states).toEqual(['running']);
  });
});
