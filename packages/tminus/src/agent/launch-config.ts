/**
 * @module The agent's config: W&B's launch-config.yaml keys, then environment, then flags.
 */
import { readFileSync } from 'node:fs';

import { LaunchError } from '@tminus/sdk';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const FileConfig = z.strictObject({
  entity: z.string().optional(),
  queues: z.array(z.string()).optional(),
  queue: z.string().optional(),
  max_jobs: z.number().int().min(-1).optional(),
  verbosity: z.number().int().min(0).max(2).optional(),
  stopped_run_timeout: z.number().int().min(0).optional(),
});

export interface ResolvedAgentConfig {
  readonly entity: string | undefined;
  readonly queues: string[];
  /** -1 = unlimited */
  readonly maxJobs: number;
  readonly verbosity: number;
  readonly stopGraceSeconds: number;
}

export interface AgentFlags {
  readonly entity?: string;
  readonly queues?: string[];
  readonly maxJobs?: number;
  readonly verbosity?: number;
  readonly stopGraceSeconds?: number;
}

export function loadLaunchConfig(path: string): z.infer<typeof FileConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new LaunchError('INVALID_ARGUMENT', `Could not find the launch config file ${path}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new LaunchError('INVALID_ARGUMENT', `Invalid launch agent config ${path}: ${(error as Error).message}`);
  }
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : '(root)')}: ${i.message}`);
    throw new LaunchError('INVALID_ARGUMENT', `Invalid launch agent config ${path}: ${issues.join('; ')}`, {
      hint: 'Known keys: entity, queues, max_jobs, verbosity, stopped_run_timeout.',
    });
  }
  return parsed.data;
}

/** Defaults < file < env (TMINUS_ENTITY/WANDB_ENTITY, WANDB_LAUNCH_MAX_JOBS) < flags. */
export function resolveAgentConfig(input: { file?: string; env: NodeJS.ProcessEnv; flags: AgentFlags }): ResolvedAgentConfig {
  const file = input.file === undefined ? {} : loadLaunchConfig(input.file);
  const queues = [...(file.queues ?? []), ...(file.queue === undefined ? [] : [file.queue])];
  const envMax = input.env.WANDB_LAUNCH_MAX_JOBS;
  const envMaxJobs = envMax === undefined || envMax === '' ? undefined : Number(envMax);
  if (envMaxJobs !== undefined && !(Number.isInteger(envMaxJobs) && envMaxJobs >= -1)) {
    throw new LaunchError('INVALID_ARGUMENT', `WANDB_LAUNCH_MAX_JOBS must be an integer ≥ -1; got "${envMax}"`);
  }
  return {
    entity: input.flags.entity ?? (input.env.TMINUS_ENTITY || input.env.WANDB_ENTITY || undefined) ?? file.entity,
    queues: input.flags.queues?.length ? input.flags.queues : queues,
    maxJobs: input.flags.maxJobs ?? envMaxJobs ?? file.max_jobs ?? 1,
    verbosity: input.flags.verbosity ?? file.verbosity ?? 0,
    stopGraceSeconds: input.flags.stopGraceSeconds ?? file.stopped_run_timeout ?? 60,
  };
}
