/**
 * Dispatch to Slurm: from the `launchAdd` call to the program's first timestamp, through a real
 * server, a real `tminus agent --slurm` and a real slurmctld/slurmd (scripts/slurm-stack.sh), against
 * a bare `sbatch --wrap` of the same program (from the sbatch call to its first timestamp). Slurm
 * schedules on its own tick (about a second here), which both pay; the ratio says what tminus adds.
 * Samples are interleaved, one job at a time, so that load and Slurm's tick hit both alike. Skipped,
 * saying why, when the cluster cannot be had.
 *
 * Standalone: `npm run build && npx tsc -p bench && node bench/dist/slurm.js [--quick]`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Api, launchAdd } from '@tminus/sdk';

import { codeJob } from './code-job.js';
import { startTminus, stopProcess } from './processes.js';
import { programStartedMs } from './program-started.js';
import { benchApiKey, startServer } from './server.js';
import { isMain, printStandalone } from './standalone.js';
import { percentile, round, wallNs } from './stats.js';

const PROGRAM = ['/bin/date', '+%s%N'] as const;
const STACK_SCRIPT = ['../../scripts/slurm-stack.sh', '../scripts/slurm-stack.sh']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path));

export interface SlurmDispatchResult {
  readonly program: string;
  readonly samples: number;
  readonly tminus_p50_ms: number;
  readonly tminus_p95_ms: number;
  readonly sbatch_p50_ms: number;
  readonly sbatch_p95_ms: number;
  readonly ratio_p50: number;
  readonly overhead_p50_ms: number;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim().split('\n').pop() || error.message));
      else resolve(stdout);
    });
  });
}

/** The cluster's environment (SLURM_CONF), or why there is none. */
async function cluster(): Promise<{ env: NodeJS.ProcessEnv } | { skipped: string }> {
  if (STACK_SCRIPT === undefined) return { skipped: 'scripts/slurm-stack.sh not found' };
  try {
    const out = await run('bash', [STACK_SCRIPT, 'up'], process.env);
    const conf = /^SLURM_CONF=(.*)$/m.exec(out)?.[1];
    if (conf === undefined) return { skipped: `scripts/slurm-stack.sh printed no SLURM_CONF` };
    return { env: { ...process.env, SLURM_CONF: conf } };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first line of a file once it has one (Slurm's output file, written by the job). */
async function firstLine(path: string): Promise<string> {
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (text.includes('\n')) return text.split('\n')[0]!;
    await sleep(5);
  }
}

/** Bare `sbatch --wrap` of the program: ms from the sbatch call to the program's timestamp. */
async function bareSbatchMs(env: NodeJS.ProcessEnv, dir: string, i: number): Promise<number> {
  const output = join(dir, `bare-${i}.out`);
  const t0 = wallNs();
  await run('sbatch', ['--parsable', `--output=${output}`, `--wrap=${PROGRAM.join(' ')}`], env);
  return (Number(await firstLine(output)) - t0) / 1e6;
}

/** Through tminus: ms from the launchAdd call to the program's timestamp (its first log line). */
async function tminusMs(api: Api, job: string, queue: string): Promise<number> {
  const t0 = wallNs();
  const queued = await launchAdd({ api, job, queueName: queue });
  return programStartedMs(api, queued, t0);
}

export async function measureSlurm(options: {
  readonly quick: boolean;
  readonly scratch: string;
}): Promise<SlurmDispatchResult | { skipped: string }> {
  const slurm = await cluster();
  if ('skipped' in slurm) return slurm;
  const samples = options.quick ? 10 : 30;
  mkdirSync(options.scratch, { recursive: true });
  const apiKey = benchApiKey();
  const server = await startServer(join(options.scratch, 'server'), apiKey);
  let agent;
  try {
    const { api, baseUrl } = server;
    await api.request('createQueue', { body: { name: 'slurm', resource: 'slurm' } });
    agent = await startTminus(
      ['agent', '-q', 'slurm', '--max-jobs', '1', '--slurm'],
      {
        ...slurm.env,
        TMINUS_BASE_URL: baseUrl,
        TMINUS_API_KEY: apiKey,
        TMINUS_DATA_DIR: join(options.scratch, 'agent'),
      },
      /polling on queues/,
    );
    const job = await codeJob(api, join(options.scratch, 'job'), 'slurm-date', PROGRAM, {
      'salt.txt': 'slurm',
    });
    const bareDir = join(options.scratch, 'bare');
    mkdirSync(bareDir);
    // Warm both paths (the agent's source cache, Slurm's first job on a fresh node).
    await tminusMs(api, job, 'slurm');
    await bareSbatchMs(slurm.env, bareDir, -1);
    const viaTminus: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      bare.push(await bareSbatchMs(slurm.env, bareDir, i));
      viaTminus.push(await tminusMs(api, job, 'slurm'));
    }
    const p50 = percentile(viaTminus, 50);
    const bareP50 = percentile(bare, 50);
    return {
      program: PROGRAM.join(' '),
      samples,
      tminus_p50_ms: round(p50, 1),
      tminus_p95_ms: round(percentile(viaTminus, 95), 1),
      sbatch_p50_ms: round(bareP50, 1),
      sbatch_p95_ms: round(percentile(bare, 95), 1),
      ratio_p50: round(p50 / bareP50),
      overhead_p50_ms: round(p50 - bareP50, 1),
    };
  } finally {
    if (agent !== undefined) await stopProcess(agent.child);
    await stopProcess(server.child);
  }
}

if (isMain(import.meta.url)) await printStandalone('tminus-bench-slurm-', measureSlurm);
