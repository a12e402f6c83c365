/**
 * @module The `resource_args` a launch may give each runner, checked at enqueue (pure): a key the
 * runner of that resource does not understand, or a value of the wrong kind, is refused with its name
 * before anything is queued — not discovered by an agent later. Each runner's keys live in a module
 * beside this one, listed in `CHECKS`; a resource without one accepts what it is given.
 */
import type { JsonObject } from '@tminus/sdk/protocol';

import { kubernetesArgsProblem } from './kubernetes.js';
import { localContainerArgsProblem } from './local-container.js';
import { slurmArgsProblem } from './slurm.js';

/**
 * Why `args` cannot be passed to a resource's runner, naming the key; undefined when they can.
 * `queueArgs` is the queue's own config for the resource (what its admin chose, merged under `args`).
 */
export type ResourceArgsCheck = (args: JsonObject, queueArgs?: unknown) => string | undefined;

const CHECKS: Readonly<Record<string, ResourceArgsCheck>> = {
  'local-container': localContainerArgsProblem,
  slurm: slurmArgsProblem,
  kubernetes: kubernetesArgsProblem,
};

export function resourceArgsProblem(
  resource: string,
  args: unknown,
  queueArgs?: unknown,
): string | undefined {
  if (args === undefined) return undefined;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return `resource_args["${resource}"] must be an object of settings for the ${resource} runner`;
  }
  return CHECKS[resource]?.(args as JsonObject, queueArgs);
}
