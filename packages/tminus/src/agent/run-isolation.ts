/**
 * @module What a run may see and touch on the machine that executes it, resolved once when the
 * agent starts: which environment variables it inherits (runners/local-process/run-env.ts) and
 * which local git repositories it may be cloned from (source/local-repo.ts).
 */
import { realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { LaunchError } from '@tminus/sdk';

import { secretEnvProblem } from '../runners/local-process/run-env.js';
import type { LocalRepoDirs } from './source/local-repo.js';

export interface RunIsolation {
  /** Variables withheld from runs besides tminus's own credentials (`PREFIX*` allowed). */
  readonly secretEnv: readonly string[];
  /** Whether the agent's `WANDB_API_KEY`/`WANDB_BASE_URL` pass through to runs. */
  readonly wandbCredentials: boolean;
  /** Real paths of the directories local git repositories may be cloned from. */
  readonly localRepos: LocalRepoDirs;
}

/** How an agent is told to isolate its runs (flags, launch-config keys). */
export interface RunIsolationOptions {
  /** `--secret-env NAME` / `secret_env:`. @default [] */
  readonly secretEnv?: readonly string[];
  /** `--no-wandb-credentials` makes it false. @default true */
  readonly wandbCredentials?: boolean;
  /** `--allow-local-repo DIR` / `allow_local_repos:`; `~/` is the agent's home. @default [] (remote repositories only) */
  readonly allowLocalRepos?: readonly string[];
}

/**
 * `launch()` on the caller's own machine: the program runs as the caller, with the caller's files,
 * so there is nothing of an agent's to keep from it; tminus's credentials are still withheld.
 */
export const CALLERS_OWN_MACHINE: RunIsolation = {
  secretEnv: [],
  wandbCredentials: true,
  localRepos: 'any',
};

export function resolveRunIsolation(options: RunIsolationOptions): RunIsolation {
  const secretEnv = [...(options.secretEnv ?? [])];
  for (const name of secretEnv) {
    const problem = secretEnvProblem(name);
    if (problem !== undefined)
      throw new LaunchError('INVALID_ARGUMENT', `--secret-env ${problem}`, {
        hint: 'Name one variable per --secret-env, e.g. --secret-env HF_TOKEN --secret-env AWS_*',
      });
  }
  return {
    secretEnv,
    wandbCredentials: options.wandbCredentials ?? true,
    localRepos: (options.allowLocalRepos ?? []).map(realDirectory),
  };
}

/** The real path of an `--allow-local-repo` directory; a typo fails the start, not a run later. */
function realDirectory(dir: string): string {
  const path = dir.startsWith('~/') ? join(homedir(), dir.slice(2)) : resolve(dir);
  try {
    const real = realpathSync(path);
    if (statSync(real).isDirectory()) return real;
  } catch {
    // Said below.
  }
  throw new LaunchError(
    'INVALID_ARGUMENT',
    `--allow-local-repo ${dir}: ${path} is not a directory on this machine`,
    { hint: 'Name an existing directory that holds the git repositories runs may use.' },
  );
}
