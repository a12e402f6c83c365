/**
 * The Python client (`python/`), tested from Python: each `python/tests/test_*.py` module runs as
 * `python3 -m unittest` against a real server and a real agent started here (its programs import
 * `tminus` from `python/src`, and the CLI runs `launch()`'s direct runs). Then what a Python program
 * logged with `tminus.log` is read back through the API, the CLI and the TypeScript SDK.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchAdd, readMetrics, scanMetrics } from '@tminus/sdk';
import type { MetricPoint } from '@tminus/sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { createGitRepo, PRINT_CONFIG_PY } from '../helpers/git.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { tempDir } from '../helpers/temp.js';
import { call } from '../helpers/tenants.js';

/** The system Python starts in ~20 ms; the pyenv shim on PATH costs ~0.5 s per start. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const PYTHON_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const SRC = join(PYTHON_DIR, 'src');
const MODULES = readdirSync(join(PYTHON_DIR, 'tests'))
  .filter((f) => /^test_.*\.py$/.test(f))
  .map((f) => `tests.${f.slice(0, -3)}`);
/** Small, so that a run logging 100,000 points reaches it. */
const METRICS_LIMIT = 20_000;

// The agent runs in this process: the programs it starts inherit this, and import `tminus`.
process.env.PYTHONPATH = [SRC, process.env.PYTHONPATH].filter(Boolean).join(delimiter);

let stack: TestStack;
let job: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startStack({ maxMetricsPerRun: METRICS_LIMIT });
  await stack.startAgent(['default'], 8);
  const created = await uploadCodeJob(stack.api, join(PYTHON_DIR, 'tests/fixtures/program'), {
    project: 'py',
    name: 'program',
    entrypoint: [PYTHON, 'program.py'],
  });
  job = `${created.entity}/${created.project}/${created.name}:latest`;
  const repo = createGitRepo(join(stack.dir, 'repo'));
  repo.commit({ 'main.py': PRINT_CONFIG_PY });
  const home = join(stack.dir, 'home');
  mkdirSync(join(home, 'config'), { recursive: true });
  env = {
    // Nothing of the developer's own set-up: no CLI config, caches under the stack.
    HOME: home,
    TMINUS_CONFIG_DIR: join(home, 'config'),
    TMINUS_CACHE_DIR: join(stack.dir, 'direct-cache'),
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_CLI: `${process.execPath} ${CLI}`,
    TMINUS_TEST_JOB: job,
    TMINUS_TEST_ENTITY: stack.entity,
    TMINUS_TEST_PYTHON: PYTHON,
    TMINUS_TEST_GIT_REPO: repo.path,
    TMINUS_TEST_METRICS_LIMIT: String(METRICS_LIMIT),
    PYTHONDONTWRITEBYTECODE: '1',
  };
});
afterAll(() => stack.close());

const works = (args: string[]) => spawnSync(PYTHON, args, { stdio: 'ignore' }).status === 0;

function python(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; bin?: string } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.bin ?? PYTHON, args, {
      cwd: options.cwd ?? PYTHON_DIR,
      env: { ...process.env, ...env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('python -m unittest, against a real server and agent', () => {
  it('finds the test modules', () => {
    expect(MODULES).toEqual(
      expect.arrayContaining([
        'tests.test_signatures',
        'tests.test_launch_add',
        'tests.test_launch',
        'tests.test_metrics',
      ]),
    );
  });

  it.each(MODULES)('%s', async (module) => {
    const { code, output } = await python(['-m', 'unittest', '-v', module]);
    expect(code, output).toBe(0);
    // Every test ran: none skipped for want of the server this file started.
    expect(output, output).toMatch(/\nOK\n/);
  });
});

describe('the package', () => {
  it.skipIf(!works(['-m', 'pip', '--version']))(
    '`pip install ./python` installs `tminus` with its py.typed, nothing else, no dependency',
    async () => {
      const dir = tempDir('pip');
      try {
        // A copy: an in-tree build would leave build/ and egg-info behind in the repository.
        cpSync(PYTHON_DIR, join(dir.path, 'src'), {
          recursive: true,
          filter: (from) => !from.includes('__pycache__'),
        });
        const venv = join(dir.path, 'venv');
        expect(works(['-m', 'venv', '--system-site-packages', '--without-pip', venv])).toBe(true);
        const bin = join(venv, 'bin', 'python');
        const pip = await python(
          ['-m', 'pip', 'install', '--no-index', '--no-build-isolation', '-q', './src'],
          { cwd: dir.path, bin },
        );
        expect(pip.code, pip.output).toBe(0);
        const check = await python(
          [
            '-c',
            [
              'import importlib.util, os, tminus',
              'from tminus import launch_add, launch, LaunchError, ExecutionError, QueuedRun',
              'here = os.path.dirname(tminus.__file__)',
              'print(here.startswith(os.environ["VENV"]), os.path.exists(os.path.join(here, "py.typed")))',
              'print(importlib.util.find_spec("tests") is None)',
            ].join('; '),
          ],
          { cwd: '/', bin, env: { PYTHONPATH: '', VENV: venv } },
        );
        expect(check.output).toBe('True True\nTrue\n');
      } finally {
        dir.remove();
      }
    },
  );

  it.skipIf(!works(['-m', 'mypy', '--version']))('type-checks with mypy --strict', async () => {
    const { code, output } = await python([
      '-m',
      'mypy',
      '--strict',
      '--cache-dir',
      '/dev/null',
      'src/tminus',
    ]);
    expect(code, output).toBe(0);
  });
});

describe('metrics a Python program logged, read back', () => {
  const POINTS = 1_500;
  let runId: string;
  let expected: { step: number; values: Record<string, number> }[];

  beforeAll(async () => {
    const queued = await launchAdd({
      api: stack.api,
      job,
      config: { overrides: { run_config: { points: POINTS } } },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
    expect(run.state).toBe('finished');
    runId = run.id;
    expected = Array.from({ length: POINTS }, (_, i) => ({
      step: i,
      values: { loss: 1 / (i + 1), acc: i / POINTS },
    }));
  });

  const shape = (points: readonly MetricPoint[]) =>
    points.map((p) => ({ step: p.step, values: p.values }));

  it('through the TypeScript SDK, in order, with the summary on the run', async () => {
    const read = await readMetrics(stack.api, runId, { pageSize: 400 });
    expect(read.truncated).toBe(false);
    expect(read.limit).toBe(METRICS_LIMIT);
    expect(shape(read.points)).toEqual(expected);
    expect(read.points.map((p) => p.seq)).toEqual(expected.map((_, i) => i));
    const streamed: MetricPoint[] = [];
    for await (const p of scanMetrics(stack.api, runId, { pageSize: 1_000 })) streamed.push(p);
    expect(streamed).toEqual(read.points);
    const run = await stack.api.request('getRun', { params: { id: runId } });
    expect(run.summary).toEqual({ ...expected.at(-1)!.values, best: 'step-0' });
  });

  it('through the API, page by page', async () => {
    const points: MetricPoint[] = [];
    let after = -1;
    for (;;) {
      const { status, body } = await call(
        stack.url,
        'getMetrics',
        { params: { id: runId }, query: { after, limit: 700 } },
        stack.apiKey,
      );
      expect(status).toBe(200);
      const page = body as { points: MetricPoint[]; next: number };
      points.push(...page.points);
      if (page.points.length < 700) break;
      after = page.next;
    }
    expect(shape(points)).toEqual(expected);
  });

  it('through the CLI: `tminus run metrics ID --json` and the table', async () => {
    const cliEnv = { TMINUS_BASE_URL: stack.url, TMINUS_API_KEY: stack.apiKey };
    const json = await runCli(['run', 'metrics', runId, '--json'], cliEnv);
    expect(json.code, json.stderr).toBe(0);
    const read = JSON.parse(json.stdout) as { points: MetricPoint[]; truncated: boolean };
    expect(shape(read.points)).toEqual(expected);
    expect(read.truncated).toBe(false);
    const table = await runCli(['run', 'metrics', runId, '--keys', 'loss'], cliEnv);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]?.split(/\s+/)).toEqual(['STEP', 'loss']);
    expect(rows.slice(1).map((r) => r.split(/\s+/).map(Number))).toEqual(
      expected.map((p) => [p.step, p.values.loss]),
    );
  });
});

describe('a Python program that logs 100,000 points', () => {
  it('finishes; its run keeps its first points up to the server’s limit and no more, and its summary goes on', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job,
      config: { overrides: { run_config: { points: 0, flood: 100_000 } } },
    });
    const run = await queued.waitUntilFinished({ timeoutMs: 120_000 });
    expect(run.state).toBe('finished');
    const read = await readMetrics(stack.api, run.id);
    expect(read.truncated).toBe(true);
    const values = read.points.reduce((n, p) => n + Object.keys(p.values).length, 0);
    // Two values a point: exactly the limit, the first points in order.
    expect(values).toBe(METRICS_LIMIT);
    expect(read.points.map((p) => p.step)).toEqual(
      Array.from({ length: METRICS_LIMIT / 2 }, (_, i) => i),
    );
    const logs = await stack.api.request('getLogs', {
      params: { id: run.id },
      query: { limit: 10_000 },
    });
    const text = logs.lines.map((l) => l.text).join('\n');
    expect(text).toContain('flood of 100000 points took');
    // The summary went on: it has the last point's values.
    expect(run.summary).toEqual({ loss: 1 / 100_000, acc: 0.5, best: 'step-0' });
    // Said once, on the program's stderr, by the helper.
    expect(text.match(/reached the server's limit of metric values/g)).toHaveLength(1);
    const cli = await runCli(['run', 'metrics', run.id], {
      TMINUS_BASE_URL: stack.url,
      TMINUS_API_KEY: stack.apiKey,
    });
    expect(cli.stderr).toContain(
      `reached the server's limit of ${METRICS_LIMIT.toLocaleString('en')} metric values`,
    );
  });
});
