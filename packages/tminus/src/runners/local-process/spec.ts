/**
 * @module The pure part of the local-process runner: the command line and environment of a run.
 */
import type { JsonObject, LaunchSpec } from '@tminus/sdk/protocol';

import { inheritedEnv } from './run-env.js';
import type { UnixUser } from './unix-user.js';

export interface ProcessSpecInput {
  readonly runId: string;
  readonly entity: string;
  readonly project: string;
  readonly name: string | null;
  readonly queue: string | null;
  readonly spec: LaunchSpec;
  /** The job's entrypoint, if the run has a job. */
  readonly jobEntrypoint: readonly string[] | undefined;
  readonly runConfig: JsonObject;
  readonly configPath: string;
  readonly apiUrl: string;
  readonly runToken: string;
  readonly attempt: number;
  /** The agent's own environment, which the run inherits as run-env.ts says. */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** Variables the agent's configuration marks secret (withheld from the run). */
  readonly secretEnv: readonly string[];
  /** Whether the agent's `WANDB_API_KEY`/`WANDB_BASE_URL` pass through. */
  readonly wandbCredentials: boolean;
  /** The Unix user the program runs as, when it is not the agent's own. */
  readonly user?: UnixUser;
}

export interface ProcessSpec {
  readonly argv: readonly [string, ...string[]];
  readonly env: NodeJS.ProcessEnv;
  /** Run the program as this user (uid, gid and supplementary groups). */
  readonly user?: UnixUser;
}

/** `overrides.entry_point` replaces the job's entrypoint; `overrides.args` are appended; `x.py` runs with python3. */
export function buildArgv(
  spec: LaunchSpec,
  jobEntrypoint: readonly string[] | undefined,
): string[] | undefined {
  const base = spec.overrides?.entry_point?.length ? spec.overrides.entry_point : jobEntrypoint;
  if (base === undefined || base.length === 0) return undefined;
  const argv = base[0]!.endsWith('.py') ? ['python3', ...base] : [...base];
  return [...argv, ...(spec.overrides?.args ?? [])];
}

const INTERPRETER = /^(python[\d.]*|bash|sh|zsh|node|Rscript|julia|perl|ruby)$/;

/**
 * The script file an argv runs, if it names one relative to the source tree: the first argument of
 * an interpreter (`python3 train.py`), or a program given as a relative path (`./run.sh`). A bare
 * command (`torchrun`, `python -m pkg`) names no file to check; it is found on PATH or fails at spawn.
 */
export function scriptOf(argv: readonly string[]): string | undefined {
  const [program = '', first] = argv;
  const candidate = INTERPRETER.test(program.split('/').pop() ?? '')
    ? first
    : program.includes('/')
      ? program
      : undefined;
  if (candidate === undefined || candidate.startsWith('-') || candidate.startsWith('/'))
    return undefined;
  return candidate;
}

export function buildProcessSpec(input: ProcessSpecInput): ProcessSpec | undefined {
  const argv = buildArgv(input.spec, input.jobEntrypoint);
  if (argv === undefined) return undefined;
  const config = JSON.stringify(input.runConfig);
  // The agent's credentials are not the run's: the run gets a token scoped to itself.
  const env = inheritedEnv(input.baseEnv, input);
  Object.assign(env, {
    TMINUS_RUN_ID: input.runId,
    TMINUS_ENTITY: input.entity,
    TMINUS_PROJECT: input.project,
    TMINUS_CONFIG: config,
    TMINUS_CONFIG_PATH: input.configPath,
    TMINUS_API_URL: input.apiUrl,
    TMINUS_RUN_TOKEN: input.runToken,
    WANDB_RUN_ID: input.runId,
    WANDB_CONFIG: config,
    WANDB_LAUNCH: 'True',
    WANDB_PROJECT: input.project,
    WANDB_ENTITY: input.entity,
  });
  if (input.name !== null) env.WANDB_NAME = input.name;
  if (input.queue !== null) {
    env.TMINUS_QUEUE = input.queue;
    env.WANDB_LAUNCH_QUEUE_NAME = input.queue;
  }
  if (input.spec.sweep_id !== undefined) env.WANDB_SWEEP_ID = input.spec.sweep_id;
  if (input.attempt > 1) env.WANDB_RESUME = 'allow';
  return {
    argv: argv as [string, ...string[]],
    env,
    ...(input.user === undefined ? {} : { user: input.user }),
  };
}

/**
 * The command actually spawned. As another user it goes through util-linux's `setpriv`, which sets
 * the supplementary groups too (Node's own uid/gid spawn options drop them all) and then execs, so
 * the process keeps its pid and process group. setpriv keeps root's capabilities until that exec,
 * so it execs `/usr/bin/env`, which looks the program up on PATH as the user (root could reach a
 * `python3` in /root/.pyenv/shims that the user then cannot run); the inheritable (and with them
 * the ambient) capabilities are cleared, so none survive into the program.
 */
export function commandLine(spec: ProcessSpec): readonly [string, ...string[]] {
  const { user } = spec;
  if (user === undefined) return spec.argv;
  const groups = user.groups.length > 0 ? ['--groups', user.groups.join(',')] : ['--clear-groups'];
  return [
    'setpriv',
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    ...groups,
    '--inh-caps=-all',
    '--',
    '/usr/bin/env',
    ...spec.argv,
  ];
}
