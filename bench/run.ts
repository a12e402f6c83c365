/**
 * The benchmark run: dispatch and notification latency against a bare spawn, queue throughput on
 * SQLite and PostgreSQL, scale, end to end with real processes, git runs against code runs, and dispatch to Slurm against a bare sbatch. Returns the result document that
 * `main.ts` prints and writes to bench/results/latest.json; the smoke test runs it in `smoke` mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';

import { type DispatchResult, measureDispatch } from './dispatch.js';
import { type EndToEndResult, measureEndToEnd } from './end-to-end.js';
import { type GitVsCodeResult, measureGitVsCode } from './git-vs-code.js';
import { measureMetrics, type MetricsResult } from './metrics.js';
import { commitRate, createScratchDatabase } from './postgres.js';
import { clockTicks, commCpuSeconds, processCpu } from './proc.js';
import { startTminus, stopProcess } from './processes.js';
import { measureScale, type ScaleResult } from './scale.js';
import { measureSlurm, type SlurmDispatchResult } from './slurm.js';
import { type ContainerDispatchResult, measureContainer } from './container.js';
import { benchApiKey, startServer } from './server.js';
import { targetsOf, type TargetCheck } from './targets.js';
import {
  type CpuReading,
  measureThroughput,
  selfCpu,
  type ThroughputResult,
} from './throughput.js';

export type BenchMode = 'smoke' | 'quick' | 'full';

const SIZES = {
  smoke: {
    dispatch: 3,
    cold: 1,
    throughput: { enqueue: 50, batched: 200, lifecycle: 50, repeat: 1 },
    agents: [1, 4],
    pgAgents: [4],
    metricPoints: 2_000,
  },
  quick: {
    dispatch: 40,
    cold: 3,
    throughput: { enqueue: 2_000, batched: 40_000, lifecycle: 2_000, repeat: 1 },
    agents: [1, 4, 16],
    pgAgents: [8],
    metricPoints: 100_000,
  },
  full: {
    dispatch: 250,
    cold: 10,
    throughput: { enqueue: 10_000, batched: 100_000, lifecycle: 10_000, repeat: 3 },
    agents: [1, 4, 16],
    pgAgents: [1, 4, 8, 16],
    metricPoints: 100_000,
  },
} as const;

export interface BenchResult {
  readonly date: string;
  readonly mode: BenchMode;
  readonly command: string;
  readonly machine: {
    cores: number;
    cpu: string;
    memory_gb: number;
    node: string;
    platform: string;
  };
  /** The Python program (the headline); every program under `by_program`. */
  readonly dispatch: DispatchResult & { by_program: Record<string, DispatchResult> };
  readonly notification: { p50_ms: number | null; p99_ms: number | null };
  readonly throughput: {
    sqlite: ThroughputResult;
    postgres: PostgresThroughput | { skipped: string };
  };
  readonly scale: ScaleResult | { skipped: string };
  readonly end_to_end: EndToEndResult | { skipped: string };
  /** The same program as a code job and as a git job: agent CPU per run (issue 12). */
  readonly git_vs_code: GitVsCodeResult | { skipped: string };
  /** A Python program logging points with `tminus.log` in a tight loop, run by a real agent. */
  readonly metrics: MetricsResult;
  readonly slurm: SlurmDispatchResult | { skipped: string };
  readonly container: ContainerDispatchResult | { skipped: string };
  readonly targets: TargetCheck[];
}

export async function runBench(
  mode: BenchMode,
  progress: (line: string) => void = () => undefined,
): Promise<BenchResult> {
  const sizes = SIZES[mode];
  const scratch = mkdtempSync(join(tmpdir(), 'tminus-bench-'));
  try {
    const sqlite = await withServer(scratch, 'sqlite', [], async (api, env, serverPid) => {
      await api.request('createQueue', { body: { name: 'dispatch' } });
      const agent = await startTminus(
        ['agent', '-q', 'dispatch', '--max-jobs', '1'],
        { ...env, TMINUS_DATA_DIR: join(scratch, 'agent') },
        /polling on queues/,
      );
      const dispatch: Record<string, DispatchResult> = {};
      try {
        for (const program of ['date', 'python'] as const) {
          progress(`dispatch latency: ${program} × ${sizes.dispatch}…`);
          dispatch[program] = await measureDispatch(
            api,
            scratch,
            'dispatch',
            program,
            sizes.dispatch,
            sizes.cold,
          );
        }
      } finally {
        agent.child.kill('SIGTERM');
      }
      progress('throughput on SQLite…');
      return {
        dispatch,
        throughput: await measureThroughput(
          api,
          sizes.throughput,
          sizes.agents,
          'sqlite',
          cpuReading(serverPid, false),
        ),
      };
    });
    progress('throughput on PostgreSQL…');
    const postgres = await postgresThroughput(scratch, sizes.throughput, sizes.pgAgents);
    let scale: BenchResult['scale'] = { skipped: 'not run in smoke mode' };
    let endToEnd: BenchResult['end_to_end'] = { skipped: 'not run in smoke mode' };
    let gitVsCode: BenchResult['git_vs_code'] = { skipped: 'not run in smoke mode' };
    let slurm: BenchResult['slurm'] = { skipped: 'not run in smoke mode' };
    let container: BenchResult['container'] = { skipped: 'not run in smoke mode' };
    if (mode !== 'smoke') {
      progress('scale…');
      scale = await measureScale({ quick: mode === 'quick', scratch: join(scratch, 'scale') });
      progress('end to end with real processes…');
      endToEnd = await measureEndToEnd({ quick: mode === 'quick', scratch: join(scratch, 'e2e') });
      progress('git runs against code runs…');
      gitVsCode = await measureGitVsCode({
        quick: mode === 'quick',
        scratch: join(scratch, 'git-vs-code'),
      });
      progress('dispatch to Slurm against a bare sbatch…');
      slurm = await measureSlurm({ quick: mode === 'quick', scratch: join(scratch, 'slurm') });
      progress('dispatch to a container against a bare docker run…');
      container = await measureContainer({
        quick: mode === 'quick',
        scratch: join(scratch, 'container'),
      });
    }
    progress(`run metrics: ${sizes.metricPoints.toLocaleString('en')} points from Python…`);
    const metrics = await measureMetrics({
      points: sizes.metricPoints,
      scratch: join(scratch, 'metrics'),
    });
    const python = sqlite.dispatch.python!;
    const result = {
      date: new Date().toISOString(),
      mode,
      command: `npm run bench${mode === 'full' ? '' : ` -- --${mode}`}`,
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? '?',
        memory_gb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: process.platform,
      },
      dispatch: { ...python, by_program: sqlite.dispatch },
      notification: { p50_ms: python.notify_p50_ms, p99_ms: python.notify_p99_ms },
      throughput: { sqlite: sqlite.throughput, postgres },
      scale,
      end_to_end: endToEnd,
      git_vs_code: gitVsCode,
      metrics,
      slurm,
      container,
    };
    // Smoke sizes say nothing about speed: its targets are not judged.
    return { ...result, targets: mode === 'smoke' ? [] : targetsOf(result) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * CPU so far of the server process, of the local PostgreSQL server's processes (`postgres`; only when
 * the database is one) and of this process. The PostgreSQL figure counts every database on that
 * server: the bench's is the only busy one.
 */
function cpuReading(serverPid: number | undefined, postgres: boolean): CpuReading {
  const ticks = clockTicks() ?? 100;
  return () => ({
    server: processCpu(serverPid, ticks)?.self ?? null,
    database: postgres ? commCpuSeconds('postgres', ticks) : null,
    self: selfCpu(),
  });
}

/** A real `tminus server` process for the duration of `work`; on PostgreSQL when `extraArgs` name a database. */
async function withServer<T>(
  scratch: string,
  name: string,
  extraArgs: string[],
  work: (api: Api, env: NodeJS.ProcessEnv, serverPid: number | undefined) => Promise<T>,
): Promise<T> {
  const apiKey = benchApiKey();
  const server = await startServer(join(scratch, `data-${name}`), apiKey, [], extraArgs);
  try {
    return await work(
      server.api,
      { TMINUS_BASE_URL: server.baseUrl, TMINUS_API_KEY: apiKey },
      server.child.pid,
    );
  } finally {
    await stopProcess(server.child);
  }
}

/** PostgreSQL throughput, with its baseline: raw INSERT commits/s on the same server, 8 connections. */
export type PostgresThroughput = ThroughputResult & {
  readonly baseline_commits_per_s_8_clients: number;
};

async function postgresThroughput(
  scratch: string,
  sizes: (typeof SIZES)[BenchMode]['throughput'],
  agents: readonly number[],
): Promise<PostgresThroughput | { skipped: string }> {
  const db = await createScratchDatabase();
  if ('skipped' in db) return db;
  try {
    const baseline = await commitRate(db.url, 8, sizes.lifecycle);
    const measured = await withServer(
      scratch,
      'postgres',
      ['--database', db.url],
      (api, _env, serverPid) =>
        measureThroughput(api, sizes, agents, 'postgres', cpuReading(serverPid, true)),
    );
    return { ...measured, baseline_commits_per_s_8_clients: baseline };
  } finally {
    await db.drop();
  }
}
