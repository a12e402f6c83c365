/**
 * @module The flags that say what runs may see and touch on the agent's machine, shared by
 * `tminus agent` and `tminus up` (whose local agent takes the same ones).
 */
import { join } from 'node:path';

import type { Command } from 'commander';

import { RUN_AS_WORK_DIR } from '../agent/run-as.js';
import { collect } from './context.js';

export interface RunIsolationFlags {
  runAs?: string;
  workDir?: string;
  allowLocalRepo?: string[];
  secretEnv?: string[];
  /** Commander sets it false for --no-wandb-credentials. */
  wandbCredentials?: boolean;
}

export function addRunIsolationOptions(command: Command): Command {
  return command
    .option(
      '--run-as <user>',
      `run every program as this Unix user (uid, primary and supplementary groups from the user database; HOME set to its home): the way to keep runs away from the agent's files — its API key in ~/.config/tminus/config.json, a SQLite database, its caches. The agent must run as root; each run's directory is handed to USER, nothing else is. Needs setpriv (util-linux)`,
    )
    .option(
      '--work-dir <dir>',
      `where runs' directories and the agent's run journal live (default: <data dir>/runs; with --run-as ${RUN_AS_WORK_DIR}, since USER must be able to enter every directory on the way)`,
    )
    .option(
      '--allow-local-repo <dir>',
      'let runs use local git repositories (/path, ./path, ~/path, file://) under DIR (repeatable). Otherwise only remote (https://, ssh://) repositories are cloned (tminus up: also those under your home directory); symlinks are resolved, so a link inside DIR to a repository elsewhere is refused',
      collect,
    )
    .option(
      '--secret-env <name>',
      "withhold this environment variable of the agent's from runs (repeatable; NAME or PREFIX*, e.g. AWS_*). tminus's own credentials (TMINUS_API_KEY, TMINUS_BOOTSTRAP_API_KEY, TMINUS_DATABASE_URL, …) are always withheld; a run gets only its own TMINUS_RUN_TOKEN",
      collect,
    )
    .option(
      '--no-wandb-credentials',
      "do not pass the agent's WANDB_API_KEY and WANDB_BASE_URL to runs (by default they pass through, as W&B's agent passes them: they are your W&B account, not a tminus credential)",
    );
}

/** The flags as the agent's config takes them (only those given). */
export function runIsolationFlags(flags: RunIsolationFlags): {
  runAs?: string;
  workDir?: string;
  allowLocalRepos?: string[];
  secretEnv?: string[];
  wandbCredentials?: boolean;
} {
  return {
    ...(flags.runAs === undefined ? {} : { runAs: flags.runAs }),
    ...(flags.workDir === undefined ? {} : { workDir: flags.workDir }),
    ...(flags.allowLocalRepo === undefined ? {} : { allowLocalRepos: flags.allowLocalRepo }),
    ...(flags.secretEnv === undefined ? {} : { secretEnv: flags.secretEnv }),
    ...(flags.wandbCredentials === false ? { wandbCredentials: false } : {}),
  };
}

/** The work dir: the one given, else `<data dir>/runs`, else with `--run-as` one the run user can reach. */
export function workDirOf(config: { workDir?: string; runAs?: string }, dataDir: string): string {
  return config.workDir ?? (config.runAs === undefined ? join(dataDir, 'runs') : RUN_AS_WORK_DIR);
}
