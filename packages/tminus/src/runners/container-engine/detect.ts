/**
 * @module Which container engine this machine has: the configured one (`docker` or `podman`, from
 * the caller or TMINUS_CONTAINER_ENGINE), else docker when its daemon answers, else podman when it
 * works. When none does, one error says what each answered and how to fix it.
 */
import { LaunchError } from '@tminus/sdk';
import { z } from 'zod';

import { ContainerEngine, type EngineKind } from './engine.js';
import { capture } from './exec.js';

export const EngineKindSchema = z.enum(['docker', 'podman'], {
  error: 'must be "docker" or "podman"',
});

export interface DetectOptions {
  /** The configured engine; TMINUS_CONTAINER_ENGINE when absent; else detected. */
  readonly engine?: EngineKind;
  /** The environment the CLI runs in (DOCKER_HOST, CONTAINERS_CONF, PATH…); process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long an engine may take to answer. */
  readonly timeoutMs?: number;
}

const FIX =
  'install docker.io and start dockerd, or install podman; set TMINUS_CONTAINER_ENGINE=docker|podman to choose one';

/** A command that succeeds only when the engine can run containers; its output is the version. */
const PROBE: Readonly<Record<EngineKind, readonly string[]>> = {
  docker: ['version', '--format', '{{.Server.Version}}'],
  // `podman version` answers without touching storage or the runtime; `info` checks both.
  podman: ['info', '--format', '{{.Version.Version}}'],
};

/** Why `kind` cannot be used, or undefined when it answers. */
async function probe(kind: EngineKind, env: NodeJS.ProcessEnv, timeoutMs: number) {
  try {
    const r = await capture({ program: kind, env }, { args: PROBE[kind] }, { timeoutMs });
    if (r.exitCode === 0) return undefined;
    const said = r.stderr.trim().split('\n').pop() ?? '';
    if (r.exitCode === null) return `${kind} did not answer within ${timeoutMs / 1000} s`;
    const where = kind === 'docker' && env.DOCKER_HOST ? ` at DOCKER_HOST=${env.DOCKER_HOST}` : '';
    return `${kind} does not answer${where}: ${said || `exit ${r.exitCode}`}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${kind} is not installed` : `${kind}: ${(error as Error).message}`;
  }
}

function configuredKind(options: DetectOptions, env: NodeJS.ProcessEnv): EngineKind | undefined {
  if (options.engine !== undefined) return options.engine;
  const value = env.TMINUS_CONTAINER_ENGINE;
  if (value === undefined || value === '') return undefined;
  const parsed = EngineKindSchema.safeParse(value);
  if (!parsed.success)
    throw new LaunchError(
      'INVALID_ARGUMENT',
      `TMINUS_CONTAINER_ENGINE=${JSON.stringify(value)} ${parsed.error.issues[0]?.message ?? 'is not an engine'}`,
    );
  return parsed.data;
}

export async function detectEngine(options: DetectOptions = {}): Promise<ContainerEngine> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const configured = configuredKind(options, env);
  const candidates: EngineKind[] = configured === undefined ? ['docker', 'podman'] : [configured];
  const reasons: string[] = [];
  for (const kind of candidates) {
    const problem = await probe(kind, env, timeoutMs);
    if (problem === undefined) return new ContainerEngine(kind, env);
    reasons.push(problem);
  }
  const what =
    configured === undefined ? 'no container engine' : `container engine ${configured} unavailable`;
  throw new LaunchError('UNAVAILABLE', `${what} (${reasons.join('; ')}): ${FIX}`, {
    hint: FIX,
    details: { reasons },
  });
}
