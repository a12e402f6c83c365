import * as z from 'zod';

import { FencingToken, JsonObject, Name, RunId, Timestamp } from './common.js';
import { JobVersion } from './job.js';
import { QueueItem } from './queue.js';
import { FailureStage, LogStream, Run, RunFailure, RunState, RunWaiting } from './run.js';

export const AgentStatus = z.enum(['polling', 'running', 'killed']);
export type AgentStatus = z.infer<typeof AgentStatus>;

export const RegisterAgentRequest = z.object({
  entity: Name.optional(),
  queues: z.array(Name).min(1, 'an agent needs at least one queue').max(100),
  hostname: z.string().max(255),
  /** -1 = unlimited (W&B). */
  maxJobs: z.number().int().min(-1).max(100_000),
  version: z.string().max(64),
  config: JsonObject.optional(),
});
export type RegisterAgentRequest = z.infer<typeof RegisterAgentRequest>;

export const Agent = z.object({
  id: z.string(),
  entity: z.string(),
  queues: z.array(z.string()),
  hostname: z.string(),
  status: AgentStatus,
  maxJobs: z.number().int(),
  running: z.number().int(),
  lastHeartbeatAt: Timestamp,
  createdAt: Timestamp,
});
export type Agent = z.infer<typeof Agent>;

export const ClaimRequest = z.object({
  /** Queues to try, in order (the agent rotates them for fairness). Default: all of the agent's. */
  queues: z.array(Name).max(100).optional(),
  /** How long to hold the request open waiting for work. */
  waitMs: z.number().int().min(0).max(60_000).default(25_000),
  /** Runs the agent is already stopping: not reported again as `cancel`. */
  cancelling: z.array(RunId).max(100_000).default([]),
  /** How many runs the agent has going. 0: it has nothing to cancel, so the server skips that lookup. */
  active: z.number().int().min(0).optional(),
});
export type ClaimRequest = z.input<typeof ClaimRequest>;

/** What a claim hands to the agent: the item, its lease, and the resolved job version (if any). */
export const Lease = z.object({
  item: QueueItem,
  fencingToken: z.string(),
  leaseExpiresAt: Timestamp,
  job: JobVersion.nullable(),
});
export type Lease = z.infer<typeof Lease>;
export const ClaimResponse = z.object({
  lease: Lease.nullable(),
  /** Runs of this agent that the user asked to stop (the open claim returns at once when one is). */
  cancel: z.array(z.string()).default([]),
});

export const AckRequest = z.object({ fencingToken: FencingToken, runId: RunId });

export const FailItemRequest = z.object({
  fencingToken: FencingToken,
  stage: FailureStage,
  message: z.string().max(10_000),
});

/** Log lines as an agent sends them (one request holds at most 10,000). */
export const LogLines = z.array(z.object({ stream: LogStream, text: z.string() })).max(10_000);

/**
 * The agent's number of the first line it sends (it numbers a run's lines from 0 under its fencing
 * token): the server skips the lines it has already, so a retried append adds nothing twice.
 */
const FirstLine = z.number().int().min(0);

export const RunStatusUpdate = z.object({
  fencingToken: FencingToken,
  /** Log lines appended before the state changes: a run's last lines travel with its end. */
  lines: LogLines.optional(),
  /** The number of the first of `lines` (see `LogAppendRequest.from`). */
  linesFrom: FirstLine.optional(),
  state: RunState,
  exitCode: z.number().int().optional(),
  failure: RunFailure.optional(),
  sourceCommit: z.string().max(64).optional(),
  /** The run config the program received, recorded once at start. */
  config: JsonObject.optional(),
  /** The run's directory on the agent's machine, reported once at start. */
  runDir: z.string().max(4096).optional(),
  /** With state `starting`: the program was handed to its engine, which holds it back for this reason. */
  waiting: RunWaiting.optional(),
});
export type RunStatusUpdate = z.infer<typeof RunStatusUpdate>;

export const LogAppendRequest = z.object({
  fencingToken: FencingToken,
  lines: LogLines,
  /** The agent's number of the first of `lines`; without it, every line is appended. */
  from: FirstLine.optional(),
});
export type LogAppendRequest = z.infer<typeof LogAppendRequest>;

export const HeartbeatRequest = z.object({
  status: AgentStatus,
  runs: z.array(z.object({ runId: RunId, fencingToken: FencingToken })).max(100_000),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;
export const HeartbeatResponse = z.object({
  /** Runs the user asked to stop: send SIGTERM, then SIGKILL after the grace period. */
  cancel: z.array(z.string()),
  /** Runs this agent no longer owns (its token is stale): stop touching them. */
  lost: z.array(z.string()),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const DirectRunResponse = z.object({
  run: Run,
  fencingToken: z.string(),
  job: JobVersion.nullable(),
});
export type DirectRunResponse = z.infer<typeof DirectRunResponse>;
