/**
 * @module The variables a launched program gets from tminus, whatever runs it (pure): its run id,
 * entity, project, config and run token under tminus's names, and every variable W&B's agent sets
 * (`LaunchProject.get_env_vars_dict`) with W&B's values, so that a script written for W&B Launch reads
 * its overrides unchanged. A large config travels as W&B's `WANDB_CONFIG_0..N` chunks (wandb joins
 * them); `TMINUS_CONFIG` is set only when it fits in one variable (the config file,
 * `TMINUS_CONFIG_PATH`, always has it). W&B's own credentials (`WANDB_API_KEY`, `WANDB_BASE_URL`)
 * are not the run's facts: they pass from the agent's environment (local-process/run-env.ts).
 */
import type { JsonObject, LaunchSpec } from '@tminus/sdk/protocol';

import { asciiJson, chunkedVariable, isChunkOf } from '../core/wandb-variables.js';

export interface RunFacts {
  readonly runId: string;
  readonly entity: string;
  readonly project: string;
  readonly name: string | null;
  readonly queue: string | null;
  /** The entity that owns the queue (W&B's `WANDB_LAUNCH_QUEUE_ENTITY`). */
  readonly queueEntity: string | null;
  /** The queue item the run came from (W&B's `WANDB_LAUNCH_TRACE_ID`). */
  readonly queueItemId: string | null;
  /** The image the program runs in, for image sources (W&B's `WANDB_DOCKER`). */
  readonly image: string | undefined;
  readonly spec: LaunchSpec;
  readonly runConfig: JsonObject;
  readonly apiUrl: string;
  readonly runToken: string;
  readonly attempt: number;
}

/** The JSON variables W&B splits into `_0.._N` chunks when they are long. */
const CHUNKED = ['WANDB_CONFIG', 'WANDB_LAUNCH_FILE_OVERRIDES'] as const;

/**
 * Every variable a run may get from tminus. The agent's environment never supplies one of these (an
 * agent started inside another run must not hand down that run's id or config: wandb would read a
 * stale `WANDB_CONFIG` before this run's `WANDB_CONFIG_0..N`).
 */
const RUN_FACTS = new Set([
  'TMINUS_RUN_ID',
  'TMINUS_ENTITY',
  'TMINUS_PROJECT',
  'TMINUS_CONFIG',
  'TMINUS_CONFIG_PATH',
  'TMINUS_API_URL',
  'TMINUS_RUN_TOKEN',
  'TMINUS_QUEUE',
  'WANDB_RUN_ID',
  'WANDB_LAUNCH',
  'WANDB_PROJECT',
  'WANDB_ENTITY',
  'WANDB_NAME',
  'WANDB_USERNAME',
  'WANDB_DOCKER',
  'WANDB_SWEEP_ID',
  'WANDB_RESUME',
  'WANDB_ARTIFACTS',
  'WANDB_LAUNCH_QUEUE_NAME',
  'WANDB_LAUNCH_QUEUE_ENTITY',
  'WANDB_LAUNCH_TRACE_ID',
]);

/** Whether `name` is a run's own fact, which only tminus sets (never inherited from the agent). */
export function isRunFact(name: string): boolean {
  return RUN_FACTS.has(name) || CHUNKED.some((base) => isChunkOf(base, name));
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The run's variables; the config file's path is added by the runner (it differs in a container). */
export function runVariables(run: RunFacts): Record<string, string> {
  const { spec } = run;
  const overrides = spec.overrides ?? {};
  const config = chunkedVariable('WANDB_CONFIG', asciiJson(run.runConfig));
  const env: Record<string, string> = {
    TMINUS_RUN_ID: run.runId,
    TMINUS_ENTITY: run.entity,
    TMINUS_PROJECT: run.project,
    ...(config.WANDB_CONFIG === undefined ? {} : { TMINUS_CONFIG: JSON.stringify(run.runConfig) }),
    TMINUS_API_URL: run.apiUrl,
    TMINUS_RUN_TOKEN: run.runToken,
    WANDB_RUN_ID: run.runId,
    WANDB_LAUNCH: 'True',
    WANDB_ENTITY: run.entity,
    ...config,
    ...chunkedVariable(
      'WANDB_LAUNCH_FILE_OVERRIDES',
      asciiJson(isObject(overrides.files) ? overrides.files : {}),
    ),
    // Not W&B's `_wandb_job` slot: a tminus job is no W&B artifact, and wandb.init would
    // `use_artifact` it (offline: "Cannot use artifact when in offline mode"). See decision 0025.
    WANDB_ARTIFACTS: asciiJson(isObject(overrides.artifacts) ? overrides.artifacts : {}),
  };
  // W&B lowercases the project it hands the program (W&B project names are case-insensitive).
  if (run.project !== '') env.WANDB_PROJECT = run.project.toLowerCase();
  if (run.name !== null) env.WANDB_NAME = run.name;
  if (typeof spec.author === 'string') env.WANDB_USERNAME = spec.author;
  if (run.image !== undefined) env.WANDB_DOCKER = run.image;
  if (spec.sweep_id) env.WANDB_SWEEP_ID = spec.sweep_id;
  if (run.attempt > 1) env.WANDB_RESUME = 'allow';
  if (run.queue !== null) {
    env.TMINUS_QUEUE = run.queue;
    env.WANDB_LAUNCH_QUEUE_NAME = run.queue;
  }
  if (run.queueEntity !== null) env.WANDB_LAUNCH_QUEUE_ENTITY = run.queueEntity;
  if (run.queueItemId !== null) env.WANDB_LAUNCH_TRACE_ID = run.queueItemId;
  return env;
}
