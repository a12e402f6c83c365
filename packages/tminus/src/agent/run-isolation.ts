/**
 * @module What a run may see and touch on the machine that executes it, resolved once when the
 * agent starts: which environment variables it inherits (runners/local-process/run-env.ts).
 */
import { LaunchError } from '@tminus/sdk';

import { secretEnvProblem } from '../runners/local-process/run-env.js';

export interface RunIsolation {
  /** Variables withheld from runs besides tminus's own credentials (`PREFIX*` allowed). */
  readonly secretEnv: readonly string[];
  /** Whether the agent's `WANDB_API_KEY`/`WANDB_BASE_URL` pass through to runs. */
  readonly wandbCredentials: boolean;
}

/** How an agent is told to isolate its runs (flags, launch-config keys). */
export interface RunIsolationOptions {
  /** `--secret-env NAME` / `secret_env:`. @default [] */
  readonly secretEnv?: readonly string[];
  /** `--no-wandb-credentials` makes it false. @default true */
  readonly wandbCredentials?: boolean;
}

/**
 * `launch()` on the caller's own machine: the program runs as the caller, with the caller's files,
 * so there is nothing of an agent's to keep from it; tminus's credentials are still withheld.
 */
export const CALLERS_OWN_MACHINE: RunIsolation = { secretEnv: [], wandbCredentials: true };

export function resolveRunIsolation(options: RunIsolationOptions): RunIsolation {
  const secretEnv = [...(options.secretEnv ?? [])];
  for (const name of secretEnv) {
    const problem = secretEnvProblem(name);
    if (problem !== undefined)
      throw new LaunchError('INVALID_ARGUMENT', `--secret-env ${problem}`, {
        hint: 'Name one variable per --secret-env, e.g. --secret-env HF_TOKEN --secret-env AWS_*',
      });
  }
  return { secretEnv, wandbCredentials: options.wandbCredentials ?? true };
}
