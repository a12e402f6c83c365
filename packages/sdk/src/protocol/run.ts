import * as z from 'zod';

import { JsonObject, Name, Timestamp } from './common.js';
import { LaunchSpec, LaunchSpecInput } from './launch-spec.js';

export const RUN_STATES = [
  'pending',
  'starting',
  'running',
  'stopping',
  'finished',
  'failed',
  'crashed',
  'stopped',
  'preempted',
] as const;
export const RunState = z.enum(RUN_STATES);
export type RunState = z.infer<typeof RunState>;

export const TERMINAL_RUN_STATES: readonly RunState[] = [
  'finished',
  'failed',
  'crashed',
  'stopped',
  'preempted',
];
export function isTerminalRunState(state: RunState): boolean {
  return TERMINAL_RUN_STATES.includes(state);
}

/** Where a run failed: preparing it on the agent, building an image, or the program itself. */
export const FailureStage = z.enum(['agent', 'build', 'run']);
export type FailureStage = z.infer<typeof FailureStage>;

export const RunFailure = z.object({
  stage: FailureStage,
  message: z.string(),
  /** Machine-readable reason, e.g. `exit_code`, `agent_lost`, `start_timeout`. */
  reason: z.string().optional(),
});
export type RunFailure = z.infer<typeof RunFailure>;

/** Why the engine a started run was handed to holds it back (a Slurm job's pending reason). */
export const RunWaiting = z.object({
  /** The engine's own word, e.g. Slurm's `Resources` or `ReqNodeNotAvail`. */
  reason: z.string().min(1).max(200),
  /** What it means, for a person. */
  message: z.string().max(2_000),
});
export type RunWaiting = z.infer<typeof RunWaiting>;

export const Run = z.object({
  id: z.string(),
  entity: z.string(),
  project: z.string(),
  name: z.string().nullable(),
  state: RunState,
  queueItemId: z.string().nullable(),
  queue: z.string().nullable(),
  /** `entity/project/name:vN` of the job version that ran. */
  job: z.string().nullable(),
  /** The run config the program saw (`TMINUS_CONFIG` / `WANDB_CONFIG`). */
  config: JsonObject,
  spec: LaunchSpec,
  exitCode: z.number().int().nullable(),
  failure: RunFailure.nullable(),
  summary: JsonObject,
  /** The user who launched it (null for runs recorded before users existed). */
  createdBy: z.string().nullable(),
  agentId: z.string().nullable(),
  attempt: z.number().int().min(1),
  /** Git commit the run checked out, when its source is git. */
  sourceCommit: z.string().nullable(),
  /**
   * The run's directory on its agent's machine (the job's source in `src/`, as the program left it:
   * `./wandb`, outputs), kept after the run ends until the agent's retention removes it.
   */
  runDir: z.string().nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  /** While the run is `starting`: why its engine holds it back, as its agent last reported. */
  waiting: RunWaiting.nullable().default(null),
});
export type Run = z.infer<typeof Run>;

/** One change of a run's state; the first has no `from` (the run was created in `to`). */
export const RunTransition = z.object({
  at: Timestamp,
  from: RunState.nullable(),
  to: RunState,
  /** The attempt the run was in after the change. */
  attempt: z.number().int().min(1),
});
export type RunTransition = z.infer<typeof RunTransition>;

export const LogStream = z.enum(['stdout', 'stderr', 'system']);
export type LogStream = z.infer<typeof LogStream>;

export const LogLine = z.object({
  seq: z.number().int(),
  stream: LogStream,
  text: z.string(),
  ts: Timestamp,
});
export type LogLine = z.infer<typeof LogLine>;

export const LogPage = z.object({
  lines: z.array(LogLine),
  /** Pass as `after` to read on. */
  next: z.number().int(),
  /** True when the run is terminal and every line has been read. */
  done: z.boolean(),
});
export type LogPage = z.infer<typeof LogPage>;

/**
 * A job as the run list filters by it: its name, `project/name` or `entity/project/name`, with or
 * without `:vN` (the version that ran). Matched by whole names: `train` is not `pretrain`.
 */
export const RunJobFilter = z
  .string()
  .max(200)
  .regex(
    /^(?:[A-Za-z0-9_.-]{1,64}\/){0,2}[A-Za-z0-9_.-]{1,64}(?::[A-Za-z0-9_.-]{1,64})?$/,
    'must be a job\'s name, project/name or entity/project/name, optionally with :vN (e.g. "train" or "vision/train:v3")',
  );

export const RunListQuery = z.object({
  entity: Name.optional(),
  project: Name.optional(),
  queue: Name.optional(),
  state: RunState.optional(),
  job: RunJobFilter.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(64).optional(),
});
export type RunListQuery = z.input<typeof RunListQuery>;

/** Create a run that this machine executes itself (`launch()`), with no queue or agent. */
export const DirectRunRequest = z.object({ spec: LaunchSpecInput });
export type DirectRunRequest = z.infer<typeof DirectRunRequest>;
