/**
 * @module The flags that say what runs may see and touch on the agent's machine, shared by
 * `tminus agent` and `tminus up` (whose local agent takes the same ones).
 */
import type { Command } from 'commander';

import { collect } from './context.js';

export interface RunIsolationFlags {
  allowLocalRepo?: string[];
  secretEnv?: string[];
  /** Commander sets it false for --no-wandb-credentials. */
  wandbCredentials?: boolean;
}

export function addRunIsolationOptions(command: Command): Command {
  return command
    .option(
      '--allow-local-repo <dir>',
      'let runs use local git repositories (/path, ./path, ~/path, file://) under DIR (repeatable). Without it only remote (https://, ssh://) repositories are cloned; symlinks are resolved, so a link inside DIR to a repository elsewhere is refused',
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
  allowLocalRepos?: string[];
  secretEnv?: string[];
  wandbCredentials?: boolean;
} {
  return {
    ...(flags.allowLocalRepo === undefined ? {} : { allowLocalRepos: flags.allowLocalRepo }),
    ...(flags.secretEnv === undefined ? {} : { secretEnv: flags.secretEnv }),
    ...(flags.wandbCredentials === false ? { wandbCredentials: false } : {}),
  };
}
