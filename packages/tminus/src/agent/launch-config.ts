/**
 * @module The agent's config, as W&B resolves it: defaults < launch-config.yaml < environment
 * (`TMINUS_ENTITY`/`WANDB_ENTITY`, `WANDB_LAUNCH_MAX_JOBS`) < command-line flags. tminus's own keys
 * say what runs may see and touch (`run_as`, `work_dir`, `secret_env`, `allow_local_repos`); lists of those add up from file and flags.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { LaunchError } from '@tminus/sdk';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

import { secretEnvProblem } from '../runners/local-process/run-env.js';

const MaxJobs = z
  .number({ error: 'must be an integer (-1 = unlimited)' })
  .int('must be an integer (-1 = unlimited)')
  .refine((n) => n === -1 || n >= 1, 'must be -1 (unlimited) or at least 1');

const FileConfig = z.strictObject({
  entity: z.string().min(1).optional(),
  queues: z.array(z.string().min(1)).optional(),
  /** W&B's legacy singular form, appended to `queues`. */
  queue: z
    .string({ error: 'must be a queue name (a string); use queues: [a, b] for several' })
    .min(1)
    .optional(),
  max_jobs: MaxJobs.optional(),
  verbosity: z
    .union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' })
    .optional(),
  /** Seconds between SIGTERM and SIGKILL when a run is stopped. */
  stopped_run_timeout: z
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be a whole number of seconds')
    .optional(),
  /** Environment variables withheld from runs (tminus's own credentials always are). */
  secret_env: z
    .array(
      z
        .string({ error: 'must be a variable name' })
        .refine(
          (name) => secretEnvProblem(name) === undefined,
          'is not a variable name (letters, digits and "_"; a final "*" matches a prefix)',
        ),
      {
        error: 'must be a list of variable names, e.g. [HF_TOKEN, AWS_*]',
      },
    )
    .optional(),
  /** The Unix user programs run as. */
  run_as: z.string({ error: 'must be a user name' }).min(1).optional(),
  /** Where runs' directories live. */
  work_dir: z.string({ error: 'must be a directory' }).min(1).optional(),
  /** Directories local git repositories may be cloned from. */
  allow_local_repos: z
    .array(z.string({ error: 'must be a directory' }).min(1), {
      error: 'must be a list of directories, e.g. [~/code, /srv/repos]',
    })
    .optional(),
});

const KNOWN_KEYS = Object.keys(FileConfig.shape).filter((k) => k !== 'queue');
/** W&B keys that name things this agent does not do yet: said plainly instead of "unknown key". */
const WANDB_ONLY_KEYS: Readonly<Record<string, string>> = {
  max_schedulers: 'sweep schedulers run on the server in tminus',
  secure_mode: 'there is no secure mode yet',
  environment: 'cloud environments (aws, gcp, azure) are not supported yet',
  registry: 'container registries arrive with the container runner',
  builder: 'image builders arrive with the container runner',
};

/** A launch-config.yaml, normalised (the legacy `queue` is folded into `queues`). */
export interface ResolvedLaunchConfig {
  readonly entity?: string;
  readonly queues: string[];
  /** -1 = unlimited */
  readonly maxJobs?: number;
  readonly verbosity?: number;
  readonly stopGraceSeconds?: number;
  readonly secretEnv?: string[];
  readonly allowLocalRepos?: string[];
  readonly runAs?: string;
  readonly workDir?: string;
}

export interface ResolvedAgentConfig {
  readonly entity: string | undefined;
  readonly queues: string[];
  /** -1 = unlimited */
  readonly maxJobs: number;
  readonly verbosity: number;
  readonly stopGraceSeconds: number;
  /** The file's `secret_env` and every `--secret-env`. */
  readonly secretEnv: string[];
  /** False with `--no-wandb-credentials`. */
  readonly wandbCredentials: boolean;
  /** The file's `allow_local_repos` and every `--allow-local-repo`. */
  readonly allowLocalRepos: string[];
  readonly runAs?: string;
  readonly workDir?: string;
}

export interface AgentFlags {
  readonly entity?: string;
  /** Replaces the file's list (W&B: `-q` replaces, it does not add). */
  readonly queues?: string[];
  readonly maxJobs?: number;
  readonly verbosity?: number;
  readonly stopGraceSeconds?: number;
  /** Added to the file's list. */
  readonly secretEnv?: string[];
  readonly wandbCredentials?: boolean;
  /** Added to the file's list. */
  readonly allowLocalRepos?: string[];
  readonly runAs?: string;
  readonly workDir?: string;
}

function invalid(path: string, problem: string): LaunchError {
  return new LaunchError('INVALID_ARGUMENT', `Invalid launch agent config ${path}: ${problem}`, {
    hint: `Known keys: ${KNOWN_KEYS.join(', ')} (and the legacy queue).`,
  });
}

/** Parses launch-config.yaml text (`path` names it in errors). */
export function parseLaunchConfig(text: string, path: string): ResolvedLaunchConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    const at =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    const what = ((error as Error).message.split('\n')[0] ?? '').replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    throw invalid(path, `not valid YAML${at}: ${what}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(path, 'expected a mapping of keys (entity, queues, max_jobs, …)');
  for (const key of Object.keys(raw)) {
    const why = WANDB_ONLY_KEYS[key];
    if (why !== undefined)
      throw invalid(path, `the W&B key "${key}" is not supported (${why}); remove it`);
  }
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : `${issue.path.join('.')} ${issue.message}`,
    );
    throw invalid(path, problems.join('; '));
  }
  const file = parsed.data;
  return {
    ...(file.entity === undefined ? {} : { entity: file.entity }),
    queues: [...(file.queues ?? []), ...(file.queue === undefined ? [] : [file.queue])],
    ...(file.max_jobs === undefined ? {} : { maxJobs: file.max_jobs }),
    ...(file.verbosity === undefined ? {} : { verbosity: file.verbosity }),
    ...(file.stopped_run_timeout === undefined
      ? {}
      : { stopGraceSeconds: file.stopped_run_timeout }),
    ...(file.secret_env === undefined ? {} : { secretEnv: file.secret_env }),
    ...(file.run_as === undefined ? {} : { runAs: file.run_as }),
    ...(file.work_dir === undefined ? {} : { workDir: resolve(dirname(path), file.work_dir) }),
    // Relative to the file, which is where its author was looking from.
    ...(file.allow_local_repos === undefined
      ? {}
      : {
          allowLocalRepos: file.allow_local_repos.map((dir) =>
            dir.startsWith('~/') ? dir : resolve(dirname(path), dir),
          ),
        }),
  };
}

export function loadLaunchConfig(path: string): ResolvedLaunchConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new LaunchError(
      'INVALID_ARGUMENT',
      missing
        ? `Could not find the launch config file ${path}`
        : `Could not read the launch config file ${path}: ${(error as Error).message}`,
    );
  }
  return parseLaunchConfig(text, path);
}

function envMaxJobs(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = MaxJobs.safeParse(Number(value));
  if (!parsed.success)
    throw new LaunchError(
      'INVALID_ARGUMENT',
      `WANDB_LAUNCH_MAX_JOBS must be -1 (unlimited) or an integer of at least 1; got "${value}"`,
    );
  return parsed.data;
}

/** Defaults < file < env (TMINUS_ENTITY/WANDB_ENTITY, WANDB_LAUNCH_MAX_JOBS) < flags. */
export function resolveAgentConfig(input: {
  file?: string;
  env: NodeJS.ProcessEnv;
  flags: AgentFlags;
}): ResolvedAgentConfig {
  const file: ResolvedLaunchConfig =
    input.file === undefined ? { queues: [] } : loadLaunchConfig(input.file);
  const { env, flags } = input;
  const runAs = flags.runAs ?? file.runAs;
  const workDir = flags.workDir ?? file.workDir;
  return {
    entity: flags.entity ?? (env.TMINUS_ENTITY || env.WANDB_ENTITY || undefined) ?? file.entity,
    queues: flags.queues?.length ? [...flags.queues] : file.queues,
    maxJobs: flags.maxJobs ?? envMaxJobs(env.WANDB_LAUNCH_MAX_JOBS) ?? file.maxJobs ?? 1,
    verbosity: flags.verbosity ?? file.verbosity ?? 0,
    stopGraceSeconds: flags.stopGraceSeconds ?? file.stopGraceSeconds ?? 60,
    secretEnv: [...(file.secretEnv ?? []), ...(flags.secretEnv ?? [])],
    wandbCredentials: flags.wandbCredentials ?? true,
    allowLocalRepos: [...(file.allowLocalRepos ?? []), ...(flags.allowLocalRepos ?? [])],
    ...(runAs === undefined ? {} : { runAs }),
    ...(workDir === undefined ? {} : { workDir }),
  };
}
