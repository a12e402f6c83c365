/**
 * @module The agent's config, as W&B resolves it: defaults < launch-config.yaml < environment
 * (`TMINUS_ENTITY`/`WANDB_ENTITY`, `WANDB_LAUNCH_MAX_JOBS`) < command-line flags. Without `-c`, the
 * files are W&B's `~/.config/wandb/launch-config.yaml` (as W&B's agent reads it), then tminus's own
 * `~/.config/tminus/launch-config.yaml` over it, each if it exists. Every W&B key is accepted; `builder` and
 * `registry` go to the local-container runner (cli/container-options.ts); what no runner of this agent
 * uses yet (`environment`, `secure_mode`, `max_schedulers`) is kept in the resolved config and named once at start. tminus's own keys say what
 * runs may see and touch (`run_as`, `work_dir`, `secret_env`, `allow_local_repos`) and which engines
 * it drives besides processes (`slurm`, `kubernetes`); lists of those add up from file and flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { LaunchError } from '@tminus/sdk';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

import { secretEnvProblem } from '../runners/local-process/run-env.js';
import {
  KubernetesFileBlock,
  kubernetesFromFile,
  type KubernetesConfig,
} from './kubernetes-config.js';

const MaxJobs = z
  .number({ error: 'must be an integer (-1 = unlimited)' })
  .int('must be an integer (-1 = unlimited)')
  .refine((n) => n === -1 || n >= 1, 'must be -1 (unlimited) or at least 1');

/** W&B's `builder:` block (builder/config: docker, kaniko or noop, and where images go). */
const BuilderConfig = z.looseObject({
  type: z
    .enum(['docker', 'kaniko', 'noop'], { error: 'must be docker, kaniko or noop' })
    .optional(),
  destination: z.string({ error: 'must be a registry URI' }).optional(),
  platform: z
    .enum(['linux/amd64', 'linux/arm64'], { error: 'must be linux/amd64 or linux/arm64' })
    .optional(),
});

/** W&B's legacy `registry:` block (deprecated there in favour of `builder.destination`). */
const RegistryConfig = z.looseObject({
  type: z
    .enum(['ecr', 'acr', 'gcr', 'local'], { error: 'must be ecr, acr, gcr or local' })
    .optional(),
  uri: z.string({ error: 'must be a registry URI' }).optional(),
  url: z.string({ error: 'must be a registry URL' }).optional(),
});

/** W&B's `environment:` block (the cloud the agent's builds and runs use). */
const EnvironmentConfig = z.looseObject({
  type: z.enum(['aws', 'gcp', 'azure'], { error: 'must be aws, gcp or azure' }),
  region: z.string({ error: 'must be a region name' }).nullable().optional(),
});

const FileConfig = z.strictObject({
  entity: z.string().min(1).optional(),
  queues: z.array(z.string().min(1)).optional(),
  /** W&B's legacy singular form, appended to `queues`. */
  queue: z
    .string({ error: 'must be a queue name (a string); use queues: [a, b] for several' })
    .min(1)
    .optional(),
  max_jobs: MaxJobs.optional(),
  /** Sweep schedulers at once (W&B); tminus's sweeps run on the server, so it is kept unused. */
  max_schedulers: MaxJobs.optional(),
  secure_mode: z.boolean({ error: 'must be true or false' }).optional(),
  builder: BuilderConfig.optional(),
  registry: RegistryConfig.optional(),
  environment: EnvironmentConfig.optional(),
  verbosity: z
    .union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' })
    .optional(),
  /** Hours an ended run's directory is kept (agent/run-dirs.ts); 0: removed when the run ends. */
  run_dir_max_age_hours: z
    .number({ error: 'must be a number of hours' })
    .min(0, 'must be a number of hours')
    .optional(),
  /** GiB the ended runs' directories may take together; the oldest go first. */
  run_dir_max_gib: z
    .number({ error: 'must be a number of GiB' })
    .min(0, 'must be a number of GiB')
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
  /** The Slurm runner (W&B has none): present, even empty, turns it on. */
  slurm: z
    .strictObject(
      {
        /** A directory the compute nodes see at the same path (default: the agent's work dir). */
        shared_dir: z.string({ error: 'must be a directory' }).min(1).optional(),
      },
      { error: 'must be a mapping, e.g. {shared_dir: /shared/tminus} (or {} for the defaults)' },
    )
    .nullable()
    .optional(),
  /** The Kubernetes runner (W&B's agent takes the cluster from its environment): present, even empty, turns it on. */
  kubernetes: KubernetesFileBlock.optional(),
  /** Directories local git repositories may be cloned from. */
  allow_local_repos: z
    .array(z.string({ error: 'must be a directory' }).min(1), {
      error: 'must be a list of directories, e.g. [~/code, /srv/repos]',
    })
    .optional(),
});

const KNOWN_KEYS = Object.keys(FileConfig.shape).filter((k) => k !== 'queue');

/** W&B's keys that no runner of this agent uses yet, and why (said once at start). */
const STORED_UNUSED: Readonly<Record<string, string>> = {
  environment: 'no runner of this agent runs in a cloud environment yet',
  secure_mode: 'no runner of this agent takes pod specs or container commands yet',
  max_schedulers: 'sweep schedulers run on the server in tminus',
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
  readonly maxSchedulers?: number;
  readonly secureMode?: boolean;
  readonly runDirMaxAgeHours?: number;
  readonly runDirMaxGiB?: number;
  /** W&B's blocks, as written (read by the runners that build and push images). */
  readonly builder?: Record<string, unknown>;
  readonly registry?: Record<string, unknown>;
  readonly environment?: Record<string, unknown>;
  readonly slurm?: SlurmConfig;
  readonly kubernetes?: KubernetesConfig;
}

/** The Slurm runner's settings (`slurm:` in the file, `--slurm`/`--slurm-shared-dir`). */
export interface SlurmConfig {
  /** Default: the agent's work dir (one node, or a work dir on a shared file system). */
  readonly sharedDir?: string;
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
  /** How long ended runs' directories are kept (default a week), and in how many GiB (default 20). */
  readonly runDirMaxAgeHours: number;
  readonly runDirMaxGiB: number;
  /** W&B's, default 1; kept, unused (tminus's sweep schedulers run on the server). */
  readonly maxSchedulers: number;
  /** W&B's secure mode, default false; kept for the runners that take pod specs and commands. */
  readonly secureMode: boolean;
  /** W&B's `builder`, `registry` and `environment` blocks, as the files give them. */
  readonly builder?: Record<string, unknown>;
  readonly registry?: Record<string, unknown>;
  readonly environment?: Record<string, unknown>;
  /** The launch-config files read, in order (the later ones' keys win). */
  readonly files: string[];
  /** The W&B keys given that nothing uses yet (see `unusedConfigNotice`). */
  readonly unusedKeys: string[];
  /** Present: the agent has a Slurm runner. */
  readonly slurm?: SlurmConfig;
  /** Present: the agent has a Kubernetes runner. */
  readonly kubernetes?: KubernetesConfig;
}

export interface AgentFlags {
  readonly entity?: string;
  readonly runDirMaxAgeHours?: number;
  readonly runDirMaxGiB?: number;
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
  /** `--slurm` (true) or `--slurm-shared-dir` (the dir; it implies --slurm). */
  readonly slurm?: SlurmConfig;
  /** `--kubernetes` ({}) or any of the other Kubernetes flags (each implies it). */
  readonly kubernetes?: KubernetesConfig;
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
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.path.length > 0 ? `${issue.path.join('.')} has an ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : `${issue.path.join('.')} ${issue.message}`,
    );
    throw invalid(path, problems.join('; '));
  }
  const file = parsed.data;
  return {
    ...(file.entity === undefined ? {} : { entity: file.entity }),
    queues: [...(file.queues ?? []), ...(file.queue === undefined ? [] : [file.queue])],
    ...(file.max_jobs === undefined ? {} : { maxJobs: file.max_jobs }),
    ...(file.max_schedulers === undefined ? {} : { maxSchedulers: file.max_schedulers }),
    ...(file.run_dir_max_age_hours === undefined
      ? {}
      : { runDirMaxAgeHours: file.run_dir_max_age_hours }),
    ...(file.run_dir_max_gib === undefined ? {} : { runDirMaxGiB: file.run_dir_max_gib }),
    ...(file.secure_mode === undefined ? {} : { secureMode: file.secure_mode }),
    ...(file.builder === undefined ? {} : { builder: file.builder }),
    ...(file.registry === undefined ? {} : { registry: file.registry }),
    ...(file.environment === undefined ? {} : { environment: file.environment }),
    ...(file.verbosity === undefined ? {} : { verbosity: file.verbosity }),
    ...(file.stopped_run_timeout === undefined
      ? {}
      : { stopGraceSeconds: file.stopped_run_timeout }),
    ...(file.secret_env === undefined ? {} : { secretEnv: file.secret_env }),
    ...(file.run_as === undefined ? {} : { runAs: file.run_as }),
    ...(file.work_dir === undefined ? {} : { workDir: resolve(dirname(path), file.work_dir) }),
    ...(file.slurm === undefined
      ? {}
      : {
          slurm:
            file.slurm?.shared_dir === undefined
              ? {}
              : { sharedDir: resolve(dirname(path), file.slurm.shared_dir) },
        }),
    ...(file.kubernetes === undefined
      ? {}
      : { kubernetes: kubernetesFromFile(file.kubernetes, dirname(path)) }),
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

/**
 * The launch-config files an agent reads without `-c`, each only if it exists: W&B's
 * `~/.config/wandb/launch-config.yaml`, then tminus's `launch-config.yaml` beside its CLI config
 * (`$TMINUS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/tminus`, else `~/.config/tminus`).
 */
export function defaultLaunchConfigFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  const tminusDir =
    env.TMINUS_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, '.config'), 'tminus');
  return [
    join(home, '.config', 'wandb', 'launch-config.yaml'),
    join(tminusDir, 'launch-config.yaml'),
  ].filter((path) => existsSync(path));
}

/** The files' configs, later ones' keys over earlier ones' (lists too: a key is replaced whole). */
function layered(files: readonly string[]): ResolvedLaunchConfig {
  let merged: ResolvedLaunchConfig = { queues: [] };
  for (const path of files) {
    const next = loadLaunchConfig(path);
    merged = { ...merged, ...next, queues: next.queues.length ? next.queues : merged.queues };
  }
  return merged;
}

/**
 * Defaults < files (`-c FILE`, else `defaultLaunchConfigFiles`) < env (TMINUS_ENTITY/WANDB_ENTITY,
 * WANDB_LAUNCH_MAX_JOBS) < flags.
 */
export function resolveAgentConfig(input: {
  file?: string;
  env: NodeJS.ProcessEnv;
  flags: AgentFlags;
}): ResolvedAgentConfig {
  const files = input.file === undefined ? defaultLaunchConfigFiles(input.env) : [input.file];
  const file = layered(files);
  const { env, flags } = input;
  const runAs = flags.runAs ?? file.runAs;
  const workDir = flags.workDir ?? file.workDir;
  const unusedKeys = [
    ...(file.environment === undefined ? [] : ['environment']),
    ...(file.secureMode === undefined ? [] : ['secure_mode']),
    ...(file.maxSchedulers === undefined ? [] : ['max_schedulers']),
  ];
  const slurm =
    flags.slurm === undefined && file.slurm === undefined
      ? undefined
      : { ...file.slurm, ...flags.slurm };
  const kubernetes =
    flags.kubernetes === undefined && file.kubernetes === undefined
      ? undefined
      : { ...file.kubernetes, ...flags.kubernetes };
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
    runDirMaxAgeHours: flags.runDirMaxAgeHours ?? file.runDirMaxAgeHours ?? 7 * 24,
    runDirMaxGiB: flags.runDirMaxGiB ?? file.runDirMaxGiB ?? 20,
    maxSchedulers: file.maxSchedulers ?? 1,
    secureMode: file.secureMode ?? false,
    ...(file.builder === undefined ? {} : { builder: file.builder }),
    ...(file.registry === undefined ? {} : { registry: file.registry }),
    ...(file.environment === undefined ? {} : { environment: file.environment }),
    files,
    unusedKeys,
    ...(slurm === undefined ? {} : { slurm }),
    ...(kubernetes === undefined ? {} : { kubernetes }),
  };
}

/** What the agent says once at start about W&B keys it keeps but does not use yet; undefined if none. */
export function unusedConfigNotice(config: ResolvedAgentConfig): string | undefined {
  if (config.unusedKeys.length === 0) return undefined;
  const reasons = config.unusedKeys.map((key) => `${key} (${STORED_UNUSED[key] ?? 'unused'})`);
  return `launch-config: ${reasons.join(', ')}: kept, but not used by this agent`;
}
