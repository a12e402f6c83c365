/**
 * Dispatch to a container: from the `launchAdd` call to the program's first timestamp, through a real
 * server, a real `tminus agent` with the local-container runner and a real docker
 * (scripts/container-stack.sh), against a bare `docker run --rm --network host` of the same image and
 * command (from the spawn to its first timestamp). The image is on the machine (no pull, no build).
 * Samples are interleaved, one at a time, so that load hits both alike. Skipped, saying why, when the
 * container stack or its Python image cannot be had (busybox's `date` has no nanoseconds).
 *
 * Standalone: `npm run build && npx tsc -p bench && node bench/dist/container.js [--quick]`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type Api, launchAdd } from '@tminus/sdk';

import { startTminus, stopProcess } from './processes.js';
import { programStartedMs } from './program-started.js';
import { benchApiKey, startServer } from './server.js';
import { isMain, printStandalone } from './standalone.js';
import { percentile, round, wallNs } from './stats.js';

const PROGRAM = ['python3', '-c', 'import time; print(time.time_ns())'] as const;
const STACK_SCRIPT = ['../../scripts/container-stack.sh', '../scripts/container-stack.sh']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(path));

export interface ContainerDispatchResult {
  readonly program: string;
  readonly image: string;
  readonly samples: number;
  readonly tminus_p50_ms: number;
  readonly tminus_p95_ms: number;
  readonly docker_run_p50_ms: number;
  readonly docker_run_p95_ms: number;
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

/** The container stack's environment and Python image, or why there is none. */
async function stack(): Promise<{ env: NodeJS.ProcessEnv; image: string } | { skipped: string }> {
  if (STACK_SCRIPT === undefined) return { skipped: 'scripts/container-stack.sh not found' };
  try {
    const out = await run('bash', [STACK_SCRIPT, 'up'], process.env);
    const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1];
    const dockerHost = value('DOCKER_HOST');
    const image = value('TMINUS_TEST_PYTHON_IMAGE');
    if (dockerHost === undefined)
      return { skipped: 'scripts/container-stack.sh printed no DOCKER_HOST' };
    if (image === undefined)
      return { skipped: `no Python test image (${value('TMINUS_TEST_PYTHON_SKIP') ?? 'unknown'})` };
    return { env: { ...process.env, DOCKER_HOST: dockerHost }, image };
  } catch (error) {
    return { skipped: (error as Error).message };
  }
}

/** Bare `docker run`: ms from the spawn to the program's timestamp. */
async function bareRunMs(env: NodeJS.ProcessEnv, image: string): Promise<number> {
  const t0 = wallNs();
  const out = await run('docker', ['run', '--rm', '--network', 'host', image, ...PROGRAM], env);
  return (Number(out.trim().split('\n')[0]) - t0) / 1e6;
}

/** Through tminus: ms from the launchAdd call to the program's timestamp (its first log line). */
async function tminusMs(api: Api, image: string): Promise<number> {
  const t0 = wallNs();
  const queued = await launchAdd({
    api,
    dockerImage: image,
    project: 'bench',
    queueName: 'containers',
    entryPoint: [...PROGRAM],
  });
  return programStartedMs(api, queued, t0);
}

export async function measureContainer(options: {
  readonly quick: boolean;
  readonly scratch: string;
}): Promise<ContainerDispatchResult | { skipped: string }> {
  const engine = await stack();
  if ('skipped' in engine) return engine;
  const samples = options.quick ? 10 : 30;
  mkdirSync(options.scratch, { recursive: true });
  const apiKey = benchApiKey();
  const server = await startServer(join(options.scratch, 'server'), apiKey);
  let agent;
  try {
    const { api, baseUrl } = server;
    await api.request('createQueue', { body: { name: 'containers', resource: 'local-container' } });
    agent = await startTminus(
      ['agent', '-q', 'containers', '--max-jobs', '1'],
      {
        ...engine.env,
        TMINUS_CONTAINER_ENGINE: 'docker',
        TMINUS_BASE_URL: baseUrl,
        TMINUS_API_KEY: apiKey,
        TMINUS_DATA_DIR: join(options.scratch, 'agent'),
      },
      /polling on queues/,
    );
    // Warm both paths (the agent's engine detection, docker's first container).
    await tminusMs(api, engine.image);
    await bareRunMs(engine.env, engine.image);
    const viaTminus: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      bare.push(await bareRunMs(engine.env, engine.image));
      viaTminus.push(await tminusMs(api, engine.image));
    }
    const p50 = percentile(viaTminus, 50);
    const bareP50 = percentile(bare, 50);
    return {
      program: PROGRAM.join(' '),
      image: engine.image,
      samples,
      tminus_p50_ms: round(p50, 1),
      tminus_p95_ms: round(percentile(viaTminus, 95), 1),
      docker_run_p50_ms: round(bareP50, 1),
      docker_run_p95_ms: round(percentile(bare, 95), 1),
      ratio_p50: round(p50 / bareP50),
      overhead_p50_ms: round(p50 - bareP50, 1),
    };
  } finally {
    if (agent !== undefined) await stopProcess(agent.child);
    await stopProcess(server.child);
  }
}

if (isMain(import.meta.url)) await printStandalone('tminus-bench-container-', measureContainer);
