/**
 * Run metrics: a Python program logs N points with `tminus.log` in a tight loop, run by a real agent
 * process on a real server process, against the same loop calling a function that does nothing (the
 * baseline, in the same program). Measured in the program: µs per call of each loop, and how long
 * `tminus.finish()` then takes to deliver everything. On the server: points stored, its CPU time, the
 * database's growth. A second server with a small `--max-metrics-per-run` shows the cap holding.
 * `node bench/dist/metrics.js [--quick]` runs it alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Api, launchAdd, readMetrics } from '@tminus/sdk';

import { codeJob } from './code-job.js';
import { clockTicks, processCpu } from './proc.js';
import { startTminus, stopProcess } from './processes.js';
import { dbSizeMb } from './scale/seed-queue.js';
import { benchApiKey, startServer } from './server.js';
import { isMain, printStandalone } from './standalone.js';
import { round } from './stats.js';

const PYTHON = '/usr/bin/python3';
/** The Python package, from bench/dist/ when compiled and from bench/ when vitest runs the sources. */
const PYTHON_SRC = ['../../python/src', '../python/src']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(join(path, 'tminus')))!;
/** Values a run keeps on the capped server: a tenth of what the program logs (two values a point). */
const CAP_SHARE = 0.1;

const PROGRAM = `import json, sys, time
import tminus
n = int(sys.argv[1])
def noop(data, step=None):
    pass
t0 = time.perf_counter()
for i in range(n):
    noop({"loss": 1.0 / (i + 1), "acc": 0.5}, step=i)
baseline = time.perf_counter() - t0
t0 = time.perf_counter()
for i in range(n):
    tminus.log({"loss": 1.0 / (i + 1), "acc": 0.5}, step=i)
loop = time.perf_counter() - t0
t0 = time.perf_counter()
tminus.finish()
delivered = time.perf_counter() - t0
print("METRICS " + json.dumps({"baseline": baseline, "loop": loop, "delivered": delivered}), flush=True)
`;

export interface MetricsResult {
  readonly program: string;
  readonly points: number;
  /** One `tminus.log` call in the loop, and one call of a function that does nothing (same dict). */
  readonly per_log_us: number;
  readonly baseline_per_call_us: number;
  readonly overhead_per_log_us: number;
  /** `tminus.finish()` after the loop: until every point was delivered. */
  readonly delivered_ms: number;
  readonly stored_points: number;
  /** The server's CPU time for the whole run (enqueue to end), per point stored. */
  readonly server_cpu_ms: number | null;
  readonly server_cpu_us_per_point: number | null;
  readonly db_growth_mb: number;
  readonly capped: {
    readonly limit: number;
    readonly stored_values: number;
    readonly truncated: boolean;
    readonly per_log_us: number;
  };
}

interface Measured {
  readonly baseline: number;
  readonly loop: number;
  readonly delivered: number;
  readonly runId: string;
}

export async function measureMetrics(options: {
  points: number;
  scratch: string;
}): Promise<MetricsResult> {
  const { points, scratch } = options;
  const cap = Math.round(points * 2 * CAP_SHARE);
  const ticks = clockTicks() ?? 100;
  const full = await withStack(join(scratch, 'full'), [], async (api, dataDir, pid) => {
    const before = { cpu: processCpu(pid, ticks)?.self, db: dbSizeMb(dataDir) };
    const measured = await runProgram(api, scratch, points);
    const read = await readMetrics(api, measured.runId);
    const after = processCpu(pid, ticks)?.self;
    const cpuMs =
      before.cpu === undefined || after === undefined ? null : (after - before.cpu) * 1000;
    return { measured, stored: read.points.length, cpuMs, growth: dbSizeMb(dataDir) - before.db };
  });
  const capped = await withStack(
    join(scratch, 'capped'),
    ['--max-metrics-per-run', String(cap)],
    async (api) => {
      const measured = await runProgram(api, scratch, points);
      const read = await readMetrics(api, measured.runId);
      const values = read.points.reduce((n, p) => n + Object.keys(p.values).length, 0);
      return { measured, values, truncated: read.truncated };
    },
  );
  const perCall = (seconds: number) => round((seconds / points) * 1e6, 3);
  const { measured } = full;
  return {
    program: 'python3: tminus.log({"loss": …, "acc": …}, step=i) in a loop',
    points,
    per_log_us: perCall(measured.loop),
    baseline_per_call_us: perCall(measured.baseline),
    overhead_per_log_us: perCall(measured.loop - measured.baseline),
    delivered_ms: round(measured.delivered * 1000, 1),
    stored_points: full.stored,
    server_cpu_ms: full.cpuMs === null ? null : round(full.cpuMs, 0),
    server_cpu_us_per_point:
      full.cpuMs === null || full.stored === 0 ? null : round((full.cpuMs * 1000) / full.stored, 2),
    db_growth_mb: round(full.growth, 1),
    capped: {
      limit: cap,
      stored_values: capped.values,
      truncated: capped.truncated,
      per_log_us: perCall(capped.measured.loop),
    },
  };
}

/** A server process (SQLite) with `serverArgs` and one agent process, for the duration of `work`. */
async function withStack<T>(
  dir: string,
  serverArgs: readonly string[],
  work: (api: Api, dataDir: string, serverPid: number | undefined) => Promise<T>,
): Promise<T> {
  const apiKey = benchApiKey();
  const dataDir = join(dir, 'data');
  const server = await startServer(dataDir, apiKey, [], serverArgs);
  try {
    const agent = await startTminus(
      ['agent', '-q', 'default', '--max-jobs', '1'],
      {
        TMINUS_BASE_URL: server.baseUrl,
        TMINUS_API_KEY: apiKey,
        TMINUS_DATA_DIR: join(dir, 'agent'),
        PYTHONPATH: PYTHON_SRC,
      },
      /polling on queues/,
    );
    try {
      return await work(server.api, dataDir, server.child.pid);
    } finally {
      await stopProcess(agent.child);
    }
  } finally {
    await stopProcess(server.child);
  }
}

async function runProgram(api: Api, scratch: string, points: number): Promise<Measured> {
  const job = await codeJob(
    api,
    join(scratch, 'program'),
    'metrics',
    [PYTHON, 'metrics.py', String(points)],
    { 'metrics.py': PROGRAM },
  );
  const run = await (await launchAdd({ api, job })).waitUntilFinished({ timeoutMs: 600_000 });
  if (run.state !== 'finished')
    throw new Error(`metrics bench run ${run.id} ${run.state}: ${run.failure?.message ?? ''}`);
  const logs = await api.request('getLogs', { params: { id: run.id }, query: { limit: 10_000 } });
  const line = logs.lines.find((l) => l.text.startsWith('METRICS '));
  if (line === undefined)
    throw new Error(
      `metrics bench run ${run.id} printed no result:\n${logs.lines.map((l) => l.text).join('\n')}`,
    );
  const parsed = JSON.parse(line.text.slice('METRICS '.length)) as Omit<Measured, 'runId'>;
  return { ...parsed, runId: run.id };
}

if (isMain(import.meta.url)) {
  await printStandalone('tminus-bench-metrics-', ({ scratch }) =>
    measureMetrics({ points: 100_000, scratch }),
  );
}
