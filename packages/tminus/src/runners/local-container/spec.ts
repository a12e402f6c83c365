/**
 * @module How a run becomes a container (pure): its name and labels (so that a restarted agent finds
 * it), its environment (the run's variables, never the agent's own but W&B's credentials), its mounts
 * (the config file read-only; the job's source, when it runs in an image it was not built into) and
 * the engine flags of its `resource_args`. The program runs on the host network, so that it reaches
 * a tminus server on loopback as a local process would.
 */
import {
  type ContainerArgs,
  localContainerArgs,
  localContainerArgsProblem,
} from '../../core/resource-args/local-container.js';
import type { Labels, Mount, RunOptions } from '../container-engine/index.js';
import { inheritedEnv, WANDB_CREDENTIALS } from '../local-process/run-env.js';
import { PrepareError } from '../prepare-error.js';
import type { LaunchPlan } from '../runner.js';

export const LOCAL_CONTAINER = 'local-container';

/** Where the run's config file is in the container (`TMINUS_CONFIG_PATH`). */
export const CONFIG_IN_CONTAINER = '/tminus/config.json';
/** Where a job's source is mounted when it runs in an image it is not built into (W&B's path). */
export const SOURCE_IN_CONTAINER = '/mnt/wandb';

export const LABEL = {
  runId: 'tminus.run-id',
  attempt: 'tminus.attempt',
  agent: 'tminus.agent',
  /** The file where the follower notes the time of the last line it delivered (for a re-attach). */
  logMark: 'tminus.log-mark',
} as const;

/** `tminus-<run id>-<attempt>`: one container per attempt, found again by name. */
export function containerName(runId: string, attempt: number): string {
  return `tminus-${runId.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${attempt}`;
}

/** The run's `resource_args["local-container"]` as engine arguments; a PrepareError when refused. */
export function containerArgs(plan: LaunchPlan): ContainerArgs {
  const problem = localContainerArgsProblem(plan.resourceArgs);
  if (problem !== undefined) throw new PrepareError(problem, 'bad_resource_args');
  return localContainerArgs(plan.resourceArgs);
}

/**
 * The container's variables: the `env` of its resource args, then the run's own (which win), the
 * config file's path in the container, and W&B's credentials when the agent passes them. Nothing
 * else of the agent's environment: the image's PATH and HOME are the image's.
 */
export function containerEnv(plan: LaunchPlan, args: ContainerArgs): Record<string, string> {
  const { baseEnv, secretEnv, wandbCredentials } = plan.inherit;
  const inherited = inheritedEnv(baseEnv, { secretEnv, wandbCredentials });
  const env: Record<string, string> = { ...args.env };
  for (const name of WANDB_CREDENTIALS) {
    const value = inherited[name];
    if (value !== undefined) env[name] = value;
  }
  return Object.assign(env, plan.runEnv, { TMINUS_CONFIG_PATH: CONFIG_IN_CONTAINER });
}

export interface ContainerSpecInput {
  readonly plan: LaunchPlan;
  readonly image: string;
  readonly args: ContainerArgs;
  /** Mount the job's source as the working directory (it is not in the image). */
  readonly mountSource: boolean;
  readonly labels: Labels;
  /** Run an init as PID 1 (docker's tini), so that SIGTERM reaches the program as it would a process. */
  readonly init: boolean;
}

export function containerSpec(input: ContainerSpecInput): RunOptions {
  const { plan } = input;
  const mounts: Mount[] = [
    { source: plan.configPath, target: CONFIG_IN_CONTAINER, readOnly: true },
  ];
  const source = input.mountSource ? plan.sourceDir : undefined;
  if (source !== undefined) mounts.push({ source, target: SOURCE_IN_CONTAINER });
  const [program, ...rest] = plan.argv;
  return {
    image: input.image,
    name: containerName(plan.runId, plan.attempt),
    labels: input.labels,
    env: containerEnv(plan, input.args),
    network: 'host',
    mounts,
    init: input.init,
    ...(source === undefined ? {} : { workdir: SOURCE_IN_CONTAINER }),
    ...(plan.user === undefined ? {} : { user: `${plan.user.uid}:${plan.user.gid}` }),
    // No argv: the image's own ENTRYPOINT and CMD.
    ...(program === undefined ? {} : { entrypoint: program, command: rest }),
    extraArgs: input.args.flags,
  };
}
