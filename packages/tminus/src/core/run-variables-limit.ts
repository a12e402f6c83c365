/**
 * @module How much JSON a launch may ask to pass to its program in environment variables (pure),
 * checked at enqueue so that a run no runner could start is refused before it is queued, with the
 * limit named. The run config and the file overrides travel as W&B's `WANDB_CONFIG_0..N` and
 * `WANDB_LAUNCH_FILE_OVERRIDES_0..N` (core/wandb-variables.ts); together they may hold 1 MiB of JSON,
 * what every runner can carry: Linux takes at most 2 MiB of arguments and environment for a program
 * it starts (the agent's own environment and `docker run -e …` included), Kubernetes at most 1.5 MiB
 * for a whole Job object. `WANDB_ARTIFACTS` is one variable in W&B, never split: 32,670 characters.
 */
import type { LaunchSpec } from '@tminus/sdk/protocol';

import { asciiJson, WANDB_VARIABLE_LIMIT } from './wandb-variables.js';

/** Characters (ASCII, so bytes) of run config and file-override JSON one run may carry. */
export const MAX_RUN_VARIABLES_CHARS = 1024 * 1024;

const count = (n: number) => n.toLocaleString('en-US');

/** Undefined when a runner can pass the spec's overrides to its program; else what is too large. */
export function runVariablesProblem(spec: LaunchSpec): string | undefined {
  const overrides = spec.overrides ?? {};
  const config = asciiJson(overrides.run_config ?? {}).length;
  const files = overrides.files === undefined ? 0 : asciiJson(overrides.files).length;
  if (config + files > MAX_RUN_VARIABLES_CHARS) {
    const what =
      overrides.files === undefined
        ? `The run config is ${count(config)} characters as JSON`
        : `The run config and file overrides are ${count(config + files)} characters as JSON`;
    return `${what}; a run's program receives at most ${count(MAX_RUN_VARIABLES_CHARS)} (1 MiB) in its environment (WANDB_CONFIG_0..N), what every runner can pass`;
  }
  const artifacts = asciiJson(overrides.artifacts ?? {}).length;
  if (artifacts > WANDB_VARIABLE_LIMIT)
    return `overrides.artifacts is ${count(artifacts)} characters as JSON; WANDB_ARTIFACTS holds at most ${count(WANDB_VARIABLE_LIMIT)} (W&B's limit for one variable)`;
  return undefined;
}
