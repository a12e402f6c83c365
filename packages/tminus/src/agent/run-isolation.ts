/**
 * @module What a run may see and touch on the machine that executes it, resolved once when the
 * agent starts: which environment variables it inherits (runners/local-process/run-env.ts), which
 * local git repositories it may be cloned from (source/local-repo.ts), and which Unix user it runs
 * as (run-as.ts). The agent's own directories are made private here too.
 */
import { chmodSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { LaunchError } from '@tminus/sdk';

import { secretEnvProblem } from '../runners/local-process/run-env.js';
import type { UnixUser } from '../runners/local-process/unix-user.js';
import { prepareRunAs, ROOT_WARNING } from './run-as.js';
import type { LocalRepoDirs } from './source/local-repo.js';

export interface RunIsolation {
  /** Variables withheld from runs besides tminus's own credentials (`PREFIX*` allowed). */
  readonly secretEnv: readonly string[];
  /** Whether the agent's `WANDB_API_KEY`/`WANDB_BASE_URL` pass through to runs. */
  readonly wandbCredentials: boolean;
  /** Real paths of the directories local git repositories may be cloned from. */
  readonly localRepos: LocalRepoDirs;
  /** The user programs run as, when it is not the agent's own. */
  readonly runAs?: UnixUser;
}

/** How an agent is told to isolate its runs (flags, launch-config keys). */
export interface RunIsolationOptions {
  /** `--secret-env NAME` / `secret_env:`. @default [] */
  readonly secretEnv?: readonly string[];
  /** `--no-wandb-credentials` makes it false. @default true */
  readonly wandbCredentials?: boolean;
  /** `--allow-local-repo DIR` / `allow_local_repos:`; `~/` is the agent's home. @default [] (remote repositories only) */
  readonly allowLocalRepos?: readonly string[];
  /** `--run-as USER` / `run_as:`: run programs as this Unix user (the agent must be root). */
  readonly runAs?: string;
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

/**
 * Checks the options, makes the agent's directories (the work dir is passable by the run user
 * under `runAs`, private otherwise) and warns through `log` when runs would execute as root.
 */
export async function resolveRunIsolation(
  options: RunIsolationOptions,
  dirs: { readonly cacheDir: string; readonly workDir: string },
  log: (line: string) => void,
): Promise<RunIsolation> {
  const secretEnv = [...(options.secretEnv ?? [])];
  for (const name of secretEnv) {
    const problem = secretEnvProblem(name);
    if (problem !== undefined)
      throw new LaunchError('INVALID_ARGUMENT', `--secret-env ${problem}`, {
        hint: 'Name one variable per --secret-env, e.g. --secret-env HF_TOKEN --secret-env AWS_*',
      });
  }
  const localRepos = (options.allowLocalRepos ?? []).map(realDirectory);
  privateDir(dirs.cacheDir);
  const runAs =
    options.runAs === undefined ? undefined : await prepareRunAs(options.runAs, dirs.workDir);
  if (runAs === undefined) privateDir(dirs.workDir);
  if (runAs === undefined && process.getuid?.() === 0) log(ROOT_WARNING);
  return {
    secretEnv,
    wandbCredentials: options.wandbCredentials ?? true,
    localRepos,
    ...(runAs === undefined ? {} : { runAs }),
  };
}

/** One of the agent's own directories: its alone. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
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
