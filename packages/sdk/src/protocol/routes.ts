/**
 * @module The route table: every endpoint under `/api/v1` with its request and response schemas.
 * The server registers handlers from it, the client calls through it, and the OpenAPI document is
 * generated from it, so the three cannot drift.
 */
import * as z from 'zod';

import {
  AckRequest,
  Agent,
  ClaimRequest,
  ClaimResponse,
  DirectRunResponse,
  FailItemRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  LogAppendRequest,
  RegisterAgentRequest,
  RunStatusUpdate,
} from './agent.js';
import {
  CreatedKey,
  CreatedUser,
  CreateKeyRequest,
  CreateTeamRequest,
  CreateUserRequest,
  ApiKeyInfo,
  KeyIdParams,
  Member,
  SetMemberRequest,
  Team,
  User,
  WhoAmI,
} from './access.js';
import { AgentsBoard, BoardWatchQuery, QueuesBoard } from './boards.js';
import { Digest, Name, ObjectId, page, RunId } from './common.js';
import {
  CreateJobRequest,
  CreateJobResponse,
  JobSummary,
  JobVersion,
  UploadBlobResponse,
} from './job.js';
import {
  CreateQueueRequest,
  EnqueueBatchRequest,
  EnqueuedItem,
  EnqueueRequest,
  PendingExplanation,
  Queue,
  QueueItem,
  QueueItemState,
} from './queue.js';
import { LogMetricsRequest, LogMetricsResponse, MetricsPage, MetricsQuery } from './metrics.js';
import { DirectRunRequest, LogPage, Run, RunListQuery, RunTransition } from './run.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDef {
  readonly method: HttpMethod;
  /** Path under `/api/v1`, with `:param` segments. */
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** Body is raw bytes (`application/octet-stream`), not JSON. */
  readonly rawBody?: true;
  readonly response: z.ZodType;
}

/** Ids and names are checked at the edge: nothing unvalidated reaches a query, a path or a command line. */
const id = z.object({ id: ObjectId });
const runIdParam = z.object({ id: RunId });
const queueParams = z.object({ entity: Name, name: Name });
const entityQuery = z.object({ entity: Name.optional() });
const waitQuery = z.object({
  /** Hold the request until this is reached or `waitMs` passes. */
  waitFor: z.enum(['started', 'finished']).optional(),
  waitMs: z.coerce.number().int().min(0).max(60_000).default(0),
});
const Deleted = z.object({ deleted: z.boolean() });

export const routes = {
  whoami: {
    method: 'GET',
    path: '/whoami',
    summary:
      'The caller: what kind of credential, its user, default entity, memberships and (agent keys) queues',
    response: WhoAmI,
  },
  uploadBlob: {
    method: 'PUT',
    path: '/blobs',
    summary: 'Upload a code snapshot (gzipped tar); returns its content address',
    rawBody: true,
    response: UploadBlobResponse,
  },
  downloadBlob: {
    method: 'GET',
    path: '/blobs/:digest',
    summary: 'Download a blob by its content address',
    params: z.object({ digest: Digest }),
    response: z.unknown(),
  },
  createJob: {
    method: 'POST',
    path: '/jobs',
    summary: 'Create a job, or a new version of it ("No changes detected" if identical)',
    body: CreateJobRequest,
    response: CreateJobResponse,
  },
  listJobs: {
    method: 'GET',
    path: '/jobs',
    summary: 'List jobs of an entity (optionally one project)',
    query: z.object({ entity: Name.optional(), project: Name.optional() }),
    response: z.object({ items: z.array(JobSummary) }),
  },
  resolveJob: {
    method: 'GET',
    path: '/jobs/resolve',
    summary: 'Resolve entity/project/name:alias to one version',
    query: z.object({ ref: z.string().min(1).max(300) }),
    response: JobVersion,
  },
  listQueues: {
    method: 'GET',
    path: '/queues',
    summary: 'List queues of an entity',
    query: entityQuery,
    response: z.object({ items: z.array(Queue) }),
  },
  watchQueues: {
    method: 'GET',
    path: '/queues/watch',
    summary:
      "Each queue of an entity with its waiting items in dispatch order (why each pending one waits) and the agents polling it, with the board's digest; given the digest the caller has (`unless`), held until the board differs or `waitMs` passes (the web UI's live queues page)",
    query: BoardWatchQuery,
    response: QueuesBoard,
  },
  createQueue: {
    method: 'POST',
    path: '/queues',
    summary: 'Create a queue',
    body: CreateQueueRequest,
    response: Queue,
  },
  getQueue: {
    method: 'GET',
    path: '/queues/:entity/:name',
    summary: 'One queue',
    params: queueParams,
    response: Queue,
  },
  listQueueItems: {
    method: 'GET',
    path: '/queues/:entity/:name/items',
    summary: 'Items of a queue, oldest first',
    params: queueParams,
    query: z.object({
      state: QueueItemState.optional(),
      limit: z.coerce.number().int().min(1).max(100_000).default(100),
    }),
    response: z.object({ items: z.array(QueueItem) }),
  },
  explainQueueItem: {
    method: 'GET',
    path: '/queue-items/:id/explain',
    summary: 'Why a queued run is still pending: position, live agents, capacity',
    params: id,
    response: PendingExplanation,
  },
  enqueue: {
    method: 'POST',
    path: '/queue-items',
    summary: 'Push a launch spec onto a queue (launchAdd); honours the Idempotency-Key header',
    body: EnqueueRequest,
    response: QueueItem,
  },
  enqueueBatch: {
    method: 'POST',
    path: '/queue-items/batch',
    summary:
      'Push many launch specs in one request, all or none (launchAddBatch); item i of a retried batch with the same Idempotency-Key returns the first item i',
    body: EnqueueBatchRequest,
    response: z.object({ items: z.array(EnqueuedItem) }),
  },
  getQueueItem: {
    method: 'GET',
    path: '/queue-items/:id',
    summary: 'A queued run; with waitFor=started, held until it has a run (long-poll)',
    params: id,
    query: waitQuery,
    response: QueueItem,
  },
  deleteQueueItem: {
    method: 'DELETE',
    path: '/queue-items/:id',
    summary: 'Remove a pending item from its queue',
    params: id,
    response: Deleted,
  },
  listRuns: {
    method: 'GET',
    path: '/runs',
    summary: 'List runs, newest first',
    query: RunListQuery,
    response: page(Run),
  },
  watchRuns: {
    method: 'GET',
    path: '/runs/watch',
    summary:
      "A page of runs as listRuns answers it, with its digest; given the digest of the page the caller has (`unless`), held until the page differs or `waitMs` passes (the web UI's live run list)",
    query: RunListQuery.extend({
      unless: z.string().max(64).optional(),
      waitMs: z.coerce.number().int().min(0).max(60_000).default(0),
    }),
    response: z.object({ digest: z.string(), page: page(Run) }),
  },
  getRun: {
    method: 'GET',
    path: '/runs/:id',
    summary: 'A run; with waitFor=finished, held until it is terminal (long-poll)',
    params: runIdParam,
    query: waitQuery,
    response: Run,
  },
  getRunHistory: {
    method: 'GET',
    path: '/runs/:id/history',
    summary: "Every change of a run's state, oldest first, from its creation",
    params: runIdParam,
    response: z.object({ items: z.array(RunTransition) }),
  },
  cancelRun: {
    method: 'POST',
    path: '/runs/:id/cancel',
    summary: 'Stop a run (idempotent): SIGTERM, then SIGKILL after the grace period',
    params: runIdParam,
    response: Run,
  },
  getLogs: {
    method: 'GET',
    path: '/runs/:id/logs',
    summary: 'Log lines after a sequence number; waitMs holds the request for new lines',
    params: runIdParam,
    query: z.object({
      after: z.coerce.number().int().min(-1).default(-1),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      waitMs: z.coerce.number().int().min(0).max(60_000).default(0),
    }),
    response: LogPage,
  },
  logMetrics: {
    method: 'POST',
    path: '/runs/:id/metrics',
    summary:
      "Append metric points and summary values of a run (its own run token, while it is live); past the run's limit points are dropped and the answer says so",
    params: runIdParam,
    body: LogMetricsRequest,
    response: LogMetricsResponse,
  },
  getMetrics: {
    method: 'GET',
    path: '/runs/:id/metrics',
    summary: 'Metric points of a run after a sequence number, in the order they were logged',
    params: runIdParam,
    query: MetricsQuery,
    response: MetricsPage,
  },
  createDirectRun: {
    method: 'POST',
    path: '/runs/direct',
    summary: 'Record a run that the caller executes itself (launch), returning its fencing token',
    body: DirectRunRequest,
    response: DirectRunResponse,
  },
  registerAgent: {
    method: 'POST',
    path: '/agents',
    summary: 'Register an agent for some queues',
    body: RegisterAgentRequest,
    response: Agent,
  },
  listAgents: {
    method: 'GET',
    path: '/agents',
    summary: 'Agents of an entity',
    query: entityQuery,
    response: z.object({ items: z.array(Agent) }),
  },
  watchAgents: {
    method: 'GET',
    path: '/agents/watch',
    summary:
      "The agents of an entity (status, last heartbeat, queues, capacity) with their runs in flight, and the board's digest; given the digest the caller has (`unless`), held until the board differs or `waitMs` passes (the web UI's live agents page)",
    query: BoardWatchQuery,
    response: AgentsBoard,
  },
  claim: {
    method: 'POST',
    path: '/agents/:id/claim',
    summary: 'Long-poll for the next item on the agent’s queues; returns a lease and fencing token',
    params: id,
    body: ClaimRequest,
    response: ClaimResponse,
  },
  heartbeat: {
    method: 'POST',
    path: '/agents/:id/heartbeat',
    summary: 'Extend the leases of all of an agent’s runs; returns runs to cancel and runs lost',
    params: id,
    body: HeartbeatRequest,
    response: HeartbeatResponse,
  },
  ackItem: {
    method: 'POST',
    path: '/queue-items/:id/ack',
    summary: 'Acknowledge a leased item: the run is created (state starting)',
    params: id,
    body: AckRequest,
    response: Run,
  },
  failItem: {
    method: 'POST',
    path: '/queue-items/:id/fail',
    summary: 'Fail a leased item before a run exists',
    params: id,
    body: FailItemRequest,
    response: QueueItem,
  },
  updateRunStatus: {
    method: 'POST',
    path: '/runs/:id/status',
    summary: 'Report a run state change (fenced)',
    params: runIdParam,
    body: RunStatusUpdate,
    response: Run,
  },
  appendLogs: {
    method: 'POST',
    path: '/runs/:id/logs',
    summary: 'Append log lines in order (fenced)',
    params: runIdParam,
    body: LogAppendRequest,
    response: z.object({
      next: z.number().int(),
      /** The run's log limit is reached: later lines are dropped (the run goes on). */
      truncated: z.boolean(),
      /**
       * How many lines numbered under this fencing token the run has: an agent that re-attaches to
       * a run its predecessor started numbers its lines on from here (an empty append asks).
       */
      received: z.number().int(),
    }),
  },
  createUser: {
    method: 'POST',
    path: '/users',
    summary:
      'Create a user, its personal entity (with a `default` queue) and its first API key (server admins)',
    body: CreateUserRequest,
    response: CreatedUser,
  },
  listUsers: {
    method: 'GET',
    path: '/users',
    summary: 'All users (server admins)',
    response: z.object({ items: z.array(User) }),
  },
  createTeam: {
    method: 'POST',
    path: '/teams',
    summary: 'Create a team entity (with a `default` queue); the caller becomes its admin',
    body: CreateTeamRequest,
    response: Team,
  },
  listMembers: {
    method: 'GET',
    path: '/teams/:entity/members',
    summary: 'Members of a team and their roles',
    params: z.object({ entity: Name }),
    response: z.object({ items: z.array(Member) }),
  },
  setMember: {
    method: 'PUT',
    path: '/teams/:entity/members/:user',
    summary: 'Add a user to a team, or change their role (team admins)',
    params: z.object({ entity: Name, user: Name }),
    body: SetMemberRequest,
    response: Member,
  },
  removeMember: {
    method: 'DELETE',
    path: '/teams/:entity/members/:user',
    summary: 'Remove a user from a team (team admins)',
    params: z.object({ entity: Name, user: Name }),
    response: Deleted,
  },
  createKey: {
    method: 'POST',
    path: '/keys',
    summary:
      'Create an API key for yourself, or an agent key for some queues of an entity you administer; the key is shown once',
    body: CreateKeyRequest,
    response: CreatedKey,
  },
  listKeys: {
    method: 'GET',
    path: '/keys',
    summary:
      'Your keys and the agent keys of entities you administer (prefixes only, never the keys)',
    response: z.object({ items: z.array(ApiKeyInfo) }),
  },
  revokeKey: {
    method: 'DELETE',
    path: '/keys/:id',
    summary: 'Revoke a key: refused from the next request on',
    params: KeyIdParams,
    response: z.object({ revoked: z.boolean() }),
  },
} as const satisfies Record<string, RouteDef>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type Infer<T> = T extends z.ZodType ? z.input<T> : undefined;
/** What a caller passes for a route. */
export type RouteInput<N extends RouteName> = (Routes[N] extends { params: infer P }
  ? { params: Infer<P> }
  : unknown) &
  (Routes[N] extends { query: infer Q } ? { query?: Infer<Q> } : unknown) &
  (Routes[N] extends { body: infer B } ? { body: Infer<B> } : unknown) &
  (Routes[N] extends { rawBody: true } ? { raw: Uint8Array } : unknown);
/** What a route answers. */
export type RouteOutput<N extends RouteName> = z.output<Routes[N]['response']>;
