/**
 * End to end with real processes: `runs` executions of a short Python program (≈25 ms: interpreter
 * start plus a little arithmetic, one line printed) through a real `tminus server` and 4 real
 * `tminus agent -q QUEUE --max-jobs 8` processes, wall time from the first `launchAdd` to the last
 * run seen finished, against the same program started by a plain shell loop with the same
 * parallelism (`seq N | xargs -P 32 -I{} /usr/bin/python3 -S prog.py`, the runs' exact argv and
 * interpreter, in a directory holding the same prog.py).
 *
 * The shell loop runs before and after the tminus run so that drift in machine load hits both;
 * `shell_wall_s` is the MEAN of the two (both are reported). Every run must end `finished` with exit
 * code 0 and its stdout must hold the line the program prints with its own run id and checksum,
 * otherwise this throws. Timing is reported, never asserted.
 *
 * The parts live in end-to-end/: the program, the shell baseline, the agents, CPU accounting, the check of the runs.
 *
 * Standalone: `npm run build && npx tsc -p bench && node bench/dist/end-to-end.js [--quick]`.
 * With TMINUS_BENCH_CPU_PROF=DIR the server and agents run under `node --cpu-prof --cpu-prof-dir=DIR`
 * (a .cpuprofile each, written when they exit; Node refuses --cpu-prof in NODE_OPTIONS).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd, type QueuedRun } from '@tminus/sdk';
import type { Run } from '@tminus/sdk/protocol';

import { startAgents, warmUpAgents } from './end-to-end/agents.js';
import { checkRuns } from './end-to-end/check-runs.js';
import { cpuProbe, shellOtherLoad, tminusCpu } from './end-to-end/cpu.js';
import {
  AGENTS,
  ENQUEUE_CLIENTS,
  MAX_JOBS,
  PARALLELISM,
  WAITERS,
} from './end-to-end/parallelism.js';
import { ARGV, checksum, ITERATIONS, programJob, writeProgram } from './end-to-end/program.js';
import type { EndToEndResult } from './end-to-end/result.js';
import { programAloneMs, shellLoop } from './end-to-end/shell-baseline.js';
import { mapPool } from './pool.js';
import { stopProcess } from './processes.js';
import { benchApiKey, startServer } from './server.js';
import { isMain, printStandalone } from './standalone.js';
import { percentile, round } from './stats.js';

export type { EndToEndResult } from './end-to-end/result.js';

export interface EndToEndOptions {
  readonly quick: boolean;
  readonly scratch: string;
}

export async function measureEndToEnd(options: EndToEndOptions): Promise<EndToEndResult> {
  const runs = options.quick ? 200 : 1_000;
  mkdirSync(options.scratch, { recursive: true });
  const scratch = mkdtempSync(join(options.scratch, 'e2e-'));
  const profileDir = process.env.TMINUS_BENCH_CPU_PROF;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const children: ChildProcess[] = [];
  try {
    const expected = checksum();
    const progDir = join(scratch, 'prog');
    writeProgram(progDir);
    const programAlone = await programAloneMs(progDir, 7);

    const apiKey = benchApiKey();
    const server = await startServer(join(scratch, 'server'), apiKey, nodeArgs);
    children.push(server.child);
    const { api, baseUrl } = server;
    const queueName = (await api.request('createQueue', { body: { name: 'e2e' } })).name;
    const job = await programJob(api, join(scratch, 'job'), 'end-to-end');

    const agentDirs = Array.from({ length: AGENTS }, (_, i) => join(scratch, `agent-${i}`));
    const agents = await startAgents(
      agentDirs,
      queueName,
      { TMINUS_BASE_URL: baseUrl, TMINUS_API_KEY: apiKey },
      nodeArgs,
      children,
    );
    await warmUpAgents(api, job, queueName, agentDirs);

    const probe = cpuProbe(
      server.child.pid,
      agents.map((a) => a.pid),
    );
    const shellPhase = async () => {
      const a = probe();
      const seconds = await shellLoop(progDir, runs, expected);
      return { seconds, other: shellOtherLoad(a, probe()) };
    };

    const shellBefore = await shellPhase();
    const cpuBefore = probe();
    const started = performance.now();
    const queued: QueuedRun[] = await mapPool(runs, ENQUEUE_CLIENTS, () =>
      launchAdd({ api, job, queueName }),
    );
    const enqueued = performance.now();
    const finished: Run[] = await mapPool(runs, WAITERS, (i) =>
      queued[i]!.waitUntilFinished({ timeoutMs: 600_000 }),
    );
    const ended = performance.now();
    const cpuAfter = probe();
    const shellAfter = await shellPhase();

    await checkRuns(api, finished, runs, expected);

    const tminusWall = (ended - started) / 1000;
    const shellWall = (shellBefore.seconds + shellAfter.seconds) / 2;
    const durations = finished
      .map((r) =>
        r.startedAt && r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : NaN,
      )
      .filter((d) => !Number.isNaN(d));
    const { cpu, other } = tminusCpu(cpuBefore, cpuAfter, tminusWall);

    return {
      runs,
      agents: AGENTS,
      max_jobs: MAX_JOBS,
      parallelism: PARALLELISM,
      program: `${ARGV.join(' ')} (${ITERATIONS.toLocaleString('en')} iterations)`,
      program_alone_ms: round(programAlone, 1),
      tminus_wall_s: round(tminusWall),
      enqueue_s: round((enqueued - started) / 1000),
      shell_wall_s: round(shellWall),
      shell_wall_before_s: round(shellBefore.seconds),
      shell_wall_after_s: round(shellAfter.seconds),
      shell_basis: 'mean of before and after',
      ratio: round(tminusWall / shellWall),
      runs_per_s: round(runs / tminusWall, 1),
      shell_runs_per_s: round(runs / shellWall, 1),
      overhead_per_run_ms: round(((tminusWall - shellWall) * PARALLELISM * 1000) / runs, 1),
      run_p50_ms: round(percentile(durations, 50), 1),
      run_p99_ms: round(percentile(durations, 99), 1),
      cpu_s: cpu,
      cpu_ms_per_run: cpu && {
        tminus: round(((cpu.server + cpu.agents + cpu.client) * 1000) / runs, 1),
        program: round((cpu.programs * 1000) / runs, 1),
      },
      other_load_cpu_s:
        shellBefore.other === null || other === null || shellAfter.other === null
          ? null
          : {
              shell_before: round(shellBefore.other),
              tminus: round(other),
              shell_after: round(shellAfter.other),
            },
    };
  } finally {
    // Agents first (they stop their runs and say goodbye to the server), then the server.
    const [server, ...agentChildren] = children;
    await Promise.all(agentChildren.map((c) => stopProcess(c)));
    if (server) await stopProcess(server);
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await printStandalone('tminus-e2e-', measureEndToEnd);
