/**
 * @module The `Store` port: everything the server persists, as asynchronous methods, so that the
 * SQLite adapter (embedded default) and the PostgreSQL adapter are interchangeable. Adapters hold no
 * business rules beyond atomicity: the services decide, the store applies changes atomically and
 * fences writes (a write with a stale fencing token throws `LaunchError('STALE_TOKEN')`).
 *
 * All timestamps are epoch milliseconds passed in by the caller (no clock reads in adapters).
 */
import type { BlobStore } from './blob-store.js';
import type { LogLimit } from './log-budget.js';
import type { MetricLimit } from './metric-budget.js';
import type {
  Agent,
  AgentStatus,
  FailureStage,
  JobSource,
  JobSummary,
  JobVersion,
  JsonObject,
  LaunchSpec,
  LogLine,
  LogStream,
  MetricPoint,
  MetricValue,
  Queue,
  QueueItem,
  Run,
  RunFailure,
  RunState,
  RunWaiting,
  Role,
  SummaryPatch,
} from '@tminus/sdk/protocol';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** sha256 hex of the key; the key itself is never stored. */
  readonly hash: string;
  /** A user key's default entity; an agent key's one entity. */
  readonly entity: string;
  readonly kind: 'user' | 'agent';
  /** The user the key belongs to (an agent key: who created it). */
  readonly user: string;
  /** An agent key's queues (of `entity`); null for a user key. */
  readonly queues: readonly string[] | null;
  /** The key's first characters, shown when keys are listed. */
  readonly prefix: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface UserRecord {
  /** Also the name of the user's personal entity. */
  readonly name: string;
  /** Server-wide admin. */
  readonly admin: boolean;
  readonly createdAt: number;
}

export interface EntityRecord {
  readonly name: string;
  readonly kind: 'user' | 'team';
  readonly createdAt: number;
}

/** A new entity, created with its `default` queue and (optionally) its first admin, atomically. */
export interface NewEntity {
  readonly name: string;
  readonly kind: 'user' | 'team';
  readonly defaultQueue: Queue & { readonly createdAtMs: number };
  /** The user who gets the `admin` role in it. */
  readonly admin: string | null;
  readonly now: number;
}

/** Which keys `listApiKeys` returns: a user's own and the agent keys of entities they administer, or all. */
export type KeyFilter =
  { readonly user: string; readonly adminOf: readonly string[] } | { readonly all: true };

/** What decides who may touch a run; never changes after the run is created, except the token and state. */
export interface RunOwner {
  readonly id: string;
  readonly entity: string;
  readonly queueId: string | null;
  readonly createdBy: string | null;
  readonly fencingToken: string;
  readonly state: RunState;
}

/** What decides who may touch a queue item; never changes after enqueue. */
export interface ItemOwner {
  readonly id: string;
  readonly queueId: string;
  /** The entity the run lands in (`spec.entity`). */
  readonly entity: string;
  readonly createdBy: string | null;
}

export interface NewJobVersion {
  readonly entity: string;
  readonly project: string;
  readonly name: string;
  readonly source: JobSource;
  readonly digest: string;
  readonly description: string | null;
  /** Extra aliases besides `latest` (which always moves to the new version). */
  readonly aliases: readonly string[];
  readonly now: number;
}

export interface NewQueueItem {
  readonly id: string;
  readonly queueId: string;
  readonly priority: number;
  readonly spec: LaunchSpec;
  readonly templateVariables: JsonObject;
  readonly projectQueue: string;
  readonly warnings: readonly string[];
  /** The user who launched it. */
  readonly createdBy: string | null;
  /** Scoped by the caller (e.g. `<apiKeyId>:<header>`); a repeated key returns the first item. */
  readonly idempotencyKey: string | null;
  readonly now: number;
}

export interface ClaimParams {
  readonly queueId: string;
  readonly agentId: string;
  /** Fresh random token; becomes the item's (and later the run's) fencing token. */
  readonly fencingToken: string;
  readonly now: number;
  readonly leaseExpiresAt: number;
}

export interface NewRun {
  readonly id: string;
  readonly entity: string;
  readonly project: string;
  readonly name: string | null;
  readonly queueItemId: string | null;
  readonly queueId: string | null;
  readonly job: string | null;
  readonly spec: LaunchSpec;
  readonly config: JsonObject;
  readonly agentId: string | null;
  readonly fencingToken: string;
  readonly state: RunState;
  readonly leaseExpiresAt: number | null;
  /** The user who launched it. */
  readonly createdBy: string | null;
  readonly now: number;
}

/** One change of a run's state, as the store recorded it (epoch ms). */
export interface RunTransitionRow {
  readonly at: number;
  readonly from: RunState;
  readonly to: RunState;
  readonly attempt: number;
}

export interface RunPatch {
  readonly state?: RunState;
  readonly exitCode?: number;
  readonly failure?: RunFailure;
  readonly sourceCommit?: string;
  readonly runDir?: string;
  readonly config?: JsonObject;
  /** Fills a null `startedAt` only: a run's start time, once known, never moves. */
  readonly startedAt?: number;
  /** Fills a null `finishedAt` only (a terminal state is final). */
  readonly finishedAt?: number;
}

export interface RunRetry {
  readonly ifState: RunState;
  readonly newToken: string;
  readonly now: number;
  /** Why, for the run's log. */
  readonly line: string;
}

export interface RunListFilter {
  readonly entity?: string;
  readonly project?: string;
  readonly queueId?: string;
  readonly state?: RunState;
  /** A job by whole names: `name`, `project/name` or `entity/project/name`, optionally `:vN`. */
  readonly job?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

/** A metric point as the store writes it (`ts` filled in by the service). */
export interface NewMetricPoint {
  readonly step: number;
  readonly values: Readonly<Record<string, MetricValue>>;
  /** Epoch milliseconds. */
  readonly ts: number;
}

export interface NewAgent {
  readonly id: string;
  readonly entity: string;
  readonly queues: readonly string[];
  readonly hostname: string;
  readonly maxJobs: number;
  readonly version: string;
  readonly config: JsonObject;
  readonly now: number;
}

export type DeleteItemResult = 'deleted' | 'not_found' | 'not_pending';

/** What lease expiry did to one run whose agent stopped heartbeating. */
/** What an append did: the log's next sequence number, and what the run has of the sender's lines. */
export interface AppendedLogs {
  readonly next: number;
  /** The run's log limit is reached: later lines are dropped. */
  readonly truncated: boolean;
  /** How many lines numbered under the append's fencing token the run has (store/log-resume.ts). */
  readonly received: number;
}

export interface ExpiredRun {
  readonly runId: string;
  readonly agentId: string | null;
  /** `retried`: back on its queue as the next attempt of the same run id; `crashed`: ended. */
  readonly outcome: 'retried' | 'crashed';
  readonly queueItemId: string | null;
  readonly queueId: string | null;
}

/** Cross-process change notifications (PostgreSQL LISTEN/NOTIFY) for stores shared by replicas. */
export interface ChangeFeed {
  /** Tells every other replica that `topic` changed. Fire and forget. */
  publish(topic: string): void;
  /** Calls `onTopic` for changes published by any replica; resolves with an unsubscribe. */
  subscribe(onTopic: (topic: string) => void): Promise<() => Promise<void>>;
  /** Longest a waiting request should sleep before re-reading the store, in case a notification was lost. */
  readonly backstopMs: number;
}

export interface Store {
  /** Present when several server processes may share this store. */
  readonly changes?: ChangeFeed;
  /** Present when the store keeps blobs itself (so every replica reaches them). */
  readonly blobs?: BlobStore;
  /**
   * Resolves once every write committed so far is on disk. A store whose reads may see committed
   * writes before they are durable (SQLite's group commit) has it; the server awaits it before
   * answering a read-only request. Writes themselves resolve only once durable, in every store.
   */
  durable?(): Promise<void>;
  /** Applies pending migrations. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // users, entities, memberships and API keys
  countApiKeys(): Promise<number>;
  /** Throws `CONFLICT` if the id or hash exists. */
  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  listApiKeys(filter: KeyFilter): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` once; false when there is no such key or it was revoked already. */
  revokeApiKey(id: string, now: number): Promise<boolean>;
  /**
   * The user, their personal entity (with its default queue, the user its admin) and their first key,
   * atomically. Throws `CONFLICT` if a user or an entity of that name exists.
   */
  createUser(user: UserRecord, entity: NewEntity, key: ApiKeyRecord): Promise<void>;
  getUser(name: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** The entity with its default queue and first admin, atomically. Throws `CONFLICT` if it exists. */
  createEntity(entity: NewEntity): Promise<void>;
  getEntity(name: string): Promise<EntityRecord | undefined>;
  ensureProject(entity: string, project: string, now: number): Promise<void>;
  /** Adds the user to the entity in `role`, or changes their role. */
  setMembership(entity: string, user: string, role: Role, now: number): Promise<void>;
  /** False when the user was not a member. */
  removeMembership(entity: string, user: string): Promise<boolean>;
  listMemberships(user: string): Promise<{ entity: string; role: Role }[]>;
  listMembers(entity: string): Promise<{ user: string; role: Role }[]>;
  /** Lets the entity's readers download the blob (a code snapshot of one of its jobs). */
  addBlobRef(digest: string, entity: string): Promise<void>;
  /** Whether one of these entities may read the blob; `null`: whether any may (the blob is known). */
  blobReadableBy(digest: string, entities: readonly string[] | null): Promise<boolean>;
  getRunOwner(id: string): Promise<RunOwner | undefined>;
  getItemOwner(id: string): Promise<ItemOwner | undefined>;

  // queues
  /** Throws `CONFLICT` if `entity/name` exists. */
  createQueue(queue: Queue & { readonly createdAtMs: number }): Promise<Queue>;
  getQueue(entity: string, name: string): Promise<Queue | undefined>;
  getQueueById(id: string): Promise<Queue | undefined>;
  listQueues(entity: string): Promise<Queue[]>;

  // jobs
  findJobVersionByDigest(
    entity: string,
    project: string,
    name: string,
    digest: string,
  ): Promise<JobVersion | undefined>;
  /** Resolves an alias or `vN`. */
  getJobVersion(
    entity: string,
    project: string,
    name: string,
    alias: string,
  ): Promise<JobVersion | undefined>;
  /**
   * Atomically assigns the next version index (`v0` for a new job), moves `latest` and the extra
   * aliases to it. `jobCreated` is true when this is the job's first version.
   */
  createJobVersion(version: NewJobVersion): Promise<{ job: JobVersion; jobCreated: boolean }>;
  listJobs(entity: string, project?: string): Promise<JobSummary[]>;

  // queue items
  /** Durable before it resolves. With an idempotency key seen before, returns that item, `existed`. */
  enqueue(item: NewQueueItem): Promise<{ item: QueueItem; existed: boolean }>;
  /** `enqueue` of each, in order, in one transaction: all stored or none (the first error is thrown). */
  enqueueMany(items: readonly NewQueueItem[]): Promise<{ item: QueueItem; existed: boolean }[]>;
  getQueueItem(id: string): Promise<QueueItem | undefined>;
  /** Removes the item only if it is `pending`. */
  deleteQueueItem(id: string): Promise<DeleteItemResult>;
  /** Leases the next pending item of one queue: lowest priority number, then oldest. */
  claim(params: ClaimParams): Promise<QueueItem | undefined>;
  /**
   * Acknowledges a leased item: item → `claimed` with `runId`, and the run is inserted, in one
   * transaction. Throws `STALE_TOKEN` if the item is not leased with this token, `CONFLICT` if a run
   * with that id exists.
   */
  ackItem(itemId: string, fencingToken: string, run: NewRun): Promise<Run>;
  /** Fails a leased item (before a run exists). Fenced. */
  failItem(
    itemId: string,
    fencingToken: string,
    failure: { stage: FailureStage; message: string },
  ): Promise<QueueItem>;
  countPendingAhead(itemId: string): Promise<number>;
  /** Items of a queue, oldest first, optionally in one state. */
  listQueueItems(
    queueId: string,
    state: QueueItem['state'] | undefined,
    limit: number,
  ): Promise<QueueItem[]>;
  /** Leased items whose lease ran out before an ack go back to `pending`. Returns their queue ids. */
  requeueExpiredLeases(now: number): Promise<string[]>;
  /**
   * Active runs (starting, running, stopping) whose lease ran out: their fencing token is replaced
   * (so the old owner's writes are refused), then either re-queued as the next attempt of the same
   * run id — when `attempt < queue.maxAttempts` and the run was not being stopped — or ended `crashed`
   * with reason `agent_lost`. Safe to run concurrently: each change is conditional.
   */
  expireRunLeases(now: number, newToken: () => string): Promise<ExpiredRun[]>;
  /**
   * Runs still `starting` after `startedBefore` are failed (W&B's run start timeout), except those
   * their engine holds in its own queue this attempt (`setRunWaiting`). Returns their ids.
   */
  failStartTimeouts(
    startedBefore: number,
    now: number,
    message: string,
    newToken: () => string,
  ): Promise<string[]>;
  /** Ids of an agent's runs in a state (e.g. `stopping`, to tell it to cancel). */
  agentRunIds(agentId: string, state: RunState): Promise<string[]>;

  // runs
  createRun(run: NewRun): Promise<Run>;
  getRun(id: string): Promise<Run | undefined>;
  listRuns(filter: RunListFilter): Promise<{ items: Run[]; nextCursor: string | null }>;
  /**
   * Fenced update. Throws `NOT_FOUND`, or `STALE_TOKEN` if the token does not own the run. With
   * `ifState`, a compare-and-set: changes nothing and resolves `undefined` when the run is in another
   * state (the caller decided the change from a stale view; it reads the run and decides again).
   */
  updateRun(
    id: string,
    fencingToken: string,
    patch: RunPatch,
    ifState?: RunState,
  ): Promise<Run | undefined>;
  /**
   * Records why the engine holds a `starting` run back (`run-waiting.ts` of each adapter). Fenced;
   * resolves `undefined` when the run is no longer `starting`. The wire run shows it only while it is
   * `starting` in this attempt.
   */
  setRunWaiting(id: string, fencingToken: string, waiting: RunWaiting): Promise<Run | undefined>;
  /**
   * A run whose engine took its program away (preempted, its node failed) goes back on its queue as
   * the next attempt of the same run id, as the lease sweeper re-queues a lost one: a new token (the
   * old owner's writes are refused), no agent, its item pending again, `retry.line` in its log.
   * Fenced; resolves `undefined`, changing nothing, when the run is no longer in `retry.ifState`.
   * Whether it may be retried is the caller's decision (core/retry-policy.ts).
   */
  requeueRun(id: string, fencingToken: string, retry: RunRetry): Promise<Run | undefined>;
  /** Unfenced state change for user actions (cancel): only if the run is in one of `from`. */
  transitionRun(id: string, from: readonly RunState[], patch: RunPatch): Promise<Run | undefined>;
  /** Every change of a run's state, oldest first (recorded by the database: migrations `run-transitions`). */
  runHistory(id: string): Promise<RunTransitionRow[]>;
  /** Runs of an agent whose token matches, for heartbeat answers. */
  getRunsByIds(ids: readonly string[]): Promise<Run[]>;
  /** Extends the leases of these runs if the tokens still own them; returns the ids that do. */
  extendRunLeases(
    runs: readonly { runId: string; fencingToken: string }[],
    leaseExpiresAt: number,
  ): Promise<string[]>;

  // logs
  /**
   * Appends lines in order, as many as fit the run's log limit (`fitLines`); returns the next
   * sequence number and whether the limit is reached. Fenced. With `from` (the agent's number of the
   * first line), lines the log has already are skipped (`unseenLines`): a retried append is a no-op.
   */
  appendLogs(
    runId: string,
    fencingToken: string,
    lines: readonly { stream: LogStream; text: string }[],
    now: number,
    limit: LogLimit,
    from?: number,
  ): Promise<AppendedLogs>;
  readLogs(runId: string, after: number, limit: number): Promise<LogLine[]>;

  // metrics
  /**
   * Appends points in order, as many as fit the run's limit (`fitPoints`), and applies `summary` to the
   * run's summary (`mergeSummary`), in one transaction and only while the run is live (not terminal):
   * `NOT_FOUND` for an unknown run, `CONFLICT` for one that has ended. Returns how many points were
   * kept, the next sequence number and whether the limit is reached.
   */
  appendMetrics(
    runId: string,
    points: readonly NewMetricPoint[],
    summary: SummaryPatch | undefined,
    limit: MetricLimit,
  ): Promise<{ accepted: number; next: number; truncated: boolean }>;
  /** Points after `after`, in order, and the run's count of values against its limit (0 for an unknown run). */
  readMetrics(
    runId: string,
    after: number,
    limit: number,
  ): Promise<{ points: MetricPoint[]; used: number }>;

  // agents
  createAgent(agent: NewAgent): Promise<Agent>;
  getAgent(id: string): Promise<Agent | undefined>;
  listAgents(entity: string): Promise<Agent[]>;
  heartbeatAgent(id: string, status: AgentStatus, running: number, now: number): Promise<void>;
  /** Records a sign of life (a claim) without changing status or run count. */
  touchAgent(id: string, now: number): Promise<void>;
}

/** The part of the port about users, entities, memberships, keys and ownership facts (one module per adapter). */
export type TenancyPort = Pick<
  Store,
  | 'countApiKeys'
  | 'createApiKey'
  | 'findApiKeyByHash'
  | 'getApiKey'
  | 'listApiKeys'
  | 'revokeApiKey'
  | 'createUser'
  | 'getUser'
  | 'listUsers'
  | 'createEntity'
  | 'getEntity'
  | 'ensureProject'
  | 'setMembership'
  | 'removeMembership'
  | 'listMemberships'
  | 'listMembers'
  | 'addBlobRef'
  | 'blobReadableBy'
  | 'getRunOwner'
  | 'getItemOwner'
>;

/** The part of the port about run metrics (one module per adapter). */
export type MetricsPort = Pick<Store, 'appendMetrics' | 'readMetrics'>;

/** The parts of the port each adapter keeps in a module of its own (queues.ts, items.ts, runs.ts, agents.ts). */
export type QueuesPort = Pick<
  Store,
  | 'createQueue'
  | 'getQueue'
  | 'getQueueById'
  | 'listQueues'
  | 'findJobVersionByDigest'
  | 'getJobVersion'
  | 'createJobVersion'
  | 'listJobs'
>;
export type ItemsPort = Pick<
  Store,
  | 'enqueue'
  | 'enqueueMany'
  | 'getQueueItem'
  | 'deleteQueueItem'
  | 'claim'
  | 'ackItem'
  | 'failItem'
  | 'countPendingAhead'
  | 'listQueueItems'
>;
export type RunsPort = Pick<
  Store,
  | 'createRun'
  | 'getRun'
  | 'listRuns'
  | 'updateRun'
  | 'transitionRun'
  | 'runHistory'
  | 'getRunsByIds'
  | 'extendRunLeases'
  | 'agentRunIds'
>;
export type AgentsPort = Pick<
  Store,
  'createAgent' | 'getAgent' | 'listAgents' | 'heartbeatAgent' | 'touchAgent'
>;
