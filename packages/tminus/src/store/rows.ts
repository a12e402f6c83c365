/**
 * @module Row → wire-object mapping, shared by the SQLite and PostgreSQL adapters (same column names; JSON kept as text).
 */
import type {
  Agent,
  JobSource,
  JobSummary,
  JobVersion,
  LogLine,
  MetricPoint,
  Queue,
  QueueItem,
  Run,
} from '@tminus/sdk/protocol';

import type { ExpiringRun } from './lease-expiry.js';
import type {
  ApiKeyRecord,
  EntityRecord,
  ItemOwner,
  NewQueueItem,
  RunOwner,
  RunTransitionRow,
  UserRecord,
} from './store.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const json = <T>(text: string | null, fallback: T): T =>
  text === null ? fallback : (JSON.parse(text) as T);

export interface QueueRow {
  id: string;
  entity: string;
  name: string;
  resource: string;
  config: string;
  template_variables: string;
  prioritization: number;
  max_attempts: number;
  created_at: number;
}
export function toQueue(r: QueueRow): Queue {
  return {
    id: r.id,
    entity: r.entity,
    name: r.name,
    resource: r.resource,
    config: json(r.config, {}),
    templateVariables: json(r.template_variables, {}),
    prioritization: r.prioritization === 1,
    maxAttempts: r.max_attempts,
    createdAt: iso(r.created_at),
  };
}

export interface ItemRow {
  id: string;
  queue_id: string;
  state: QueueItem['state'];
  priority: number;
  spec: string;
  template_variables: string;
  project_queue: string;
  run_id: string | null;
  error: string | null;
  warnings: string;
  created_at: number;
  created_by: string | null;
  queue_name: string;
  queue_entity: string;
}
export function toItem(r: ItemRow): QueueItem {
  return {
    id: r.id,
    queueId: r.queue_id,
    queue: r.queue_name,
    entity: r.queue_entity,
    projectQueue: r.project_queue,
    state: r.state,
    priority: r.priority,
    spec: json(r.spec, {}),
    templateVariables: json(r.template_variables, {}),
    runId: r.run_id,
    createdBy: r.created_by,
    error: json(r.error, null),
    warnings: json(r.warnings, []),
    createdAt: iso(r.created_at),
  };
}

/** The wire item of a just-enqueued row, built from what was inserted (no read-back, no JSON re-parse). */
export function pendingItem(
  i: NewQueueItem,
  queue: { readonly name: string; readonly entity: string },
): QueueItem {
  return {
    id: i.id,
    queueId: i.queueId,
    queue: queue.name,
    entity: queue.entity,
    projectQueue: i.projectQueue,
    state: 'pending',
    priority: i.priority,
    spec: i.spec,
    templateVariables: i.templateVariables,
    runId: null,
    createdBy: i.createdBy,
    error: null,
    warnings: [...i.warnings],
    createdAt: iso(i.now),
  };
}

export interface RunRow {
  id: string;
  entity: string;
  project: string;
  name: string | null;
  state: Run['state'];
  queue_item_id: string | null;
  queue_name: string | null;
  job: string | null;
  spec: string;
  config: string;
  exit_code: number | null;
  failure: string | null;
  summary: string;
  agent_id: string | null;
  attempt: number;
  source_commit: string | null;
  run_dir: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  created_by: string | null;
  seq: number;
  /** JSON of the engine's reason for holding the run back (RunWaiting), and the attempt it was for. */
  waiting: string | null;
  waiting_attempt: number | null;
}
/** Rows as stored, before the queue's name (which both adapters cache) is added. */
export type BareItemRow = Omit<ItemRow, 'queue_name' | 'queue_entity'>;
export type BareRunRow = Omit<RunRow, 'queue_name'> & { queue_id: string | null };

export function toRun(r: RunRow): Run {
  return {
    id: r.id,
    entity: r.entity,
    project: r.project,
    name: r.name,
    state: r.state,
    queueItemId: r.queue_item_id,
    queue: r.queue_name,
    job: r.job,
    config: json(r.config, {}),
    spec: json(r.spec, {}),
    exitCode: r.exit_code,
    failure: json(r.failure, null),
    summary: json(r.summary, {}),
    createdBy: r.created_by,
    agentId: r.agent_id,
    attempt: r.attempt,
    sourceCommit: r.source_commit,
    runDir: r.run_dir ?? null,
    createdAt: iso(r.created_at),
    startedAt: isoOrNull(r.started_at),
    finishedAt: isoOrNull(r.finished_at),
    // A reason holds while the run is starting, in the attempt it was given for; then it is history.
    waiting:
      r.state === 'starting' && r.waiting_attempt === r.attempt ? json(r.waiting, null) : null,
  };
}

export interface JobRow {
  entity: string;
  project: string;
  name: string;
  version: number;
  source: string;
  digest: string;
  description: string | null;
  created_at: number;
}
export function toJobVersion(r: JobRow, aliases: string[]): JobVersion {
  return {
    entity: r.entity,
    project: r.project,
    name: r.name,
    version: `v${r.version}`,
    versionIndex: r.version,
    aliases,
    source: json<JobSource>(r.source, { type: 'image', image: '' }),
    digest: r.digest,
    description: r.description,
    createdAt: iso(r.created_at),
    ref: `${r.entity}/${r.project}/${r.name}:v${r.version}`,
  };
}

export interface AgentRow {
  id: string;
  entity: string;
  queues: string;
  hostname: string;
  status: Agent['status'];
  max_jobs: number;
  running: number;
  last_heartbeat_at: number;
  created_at: number;
}
export function toAgent(r: AgentRow): Agent {
  return {
    id: r.id,
    entity: r.entity,
    queues: json(r.queues, []),
    hostname: r.hostname,
    status: r.status,
    maxJobs: r.max_jobs,
    running: r.running,
    lastHeartbeatAt: iso(r.last_heartbeat_at),
    createdAt: iso(r.created_at),
  };
}

export interface ApiKeyRow {
  id: string;
  name: string;
  hash: string;
  entity: string;
  kind: 'user' | 'agent';
  user_name: string;
  queues: string | null;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}
export function toApiKeyRecord(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    hash: r.hash,
    entity: r.entity,
    kind: r.kind,
    user: r.user_name,
    queues: json<string[] | null>(r.queues, null),
    prefix: r.prefix,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}
export const apiKeyArgs = (k: ApiKeyRecord) =>
  [
    k.id,
    k.name,
    k.hash,
    k.entity,
    k.kind,
    k.user,
    k.queues === null ? null : JSON.stringify(k.queues),
    k.prefix,
    k.createdAt,
    k.revokedAt,
  ] as const;
export const API_KEY_COLUMNS =
  'id, name, hash, entity, kind, user_name, queues, prefix, created_at, revoked_at';

export interface UserRow {
  name: string;
  admin: number;
  created_at: number;
}
export function toUserRecord(r: UserRow): UserRecord {
  return { name: r.name, admin: Number(r.admin) === 1, createdAt: r.created_at };
}

export interface EntityRow {
  name: string;
  kind: 'user' | 'team';
  created_at: number;
}
export const toEntityRecord = (r: EntityRow): EntityRecord => ({
  name: r.name,
  kind: r.kind,
  createdAt: r.created_at,
});

export const RUN_OWNER_COLUMNS = 'id, entity, queue_id, created_by, fencing_token, state';
export interface RunOwnerRow {
  id: string;
  entity: string;
  queue_id: string | null;
  created_by: string | null;
  fencing_token: string;
  state: Run['state'];
}
export const toRunOwner = (r: RunOwnerRow): RunOwner => ({
  id: r.id,
  entity: r.entity,
  queueId: r.queue_id,
  createdBy: r.created_by,
  fencingToken: r.fencing_token,
  state: r.state,
});

export interface ItemOwnerRow {
  id: string;
  queue_id: string;
  entity: string | null;
  created_by: string | null;
}
export const toItemOwner = (r: ItemOwnerRow): ItemOwner => ({
  id: r.id,
  queueId: r.queue_id,
  entity: r.entity ?? '',
  createdBy: r.created_by,
});

export interface MetricPointRow {
  seq: number;
  step: number;
  ts: number;
  /** JSON of the point's values. */
  data: string;
}
export const toMetricPoint = (r: MetricPointRow): MetricPoint => ({
  seq: r.seq,
  step: r.step,
  ts: iso(r.ts),
  values: json(r.data, {}),
});

export interface LogRow {
  seq: number;
  stream: LogLine['stream'];
  text: string;
  ts: number;
}
export const toLogLine = (r: LogRow): LogLine => ({
  seq: r.seq,
  stream: r.stream,
  text: r.text,
  ts: iso(r.ts),
});

export interface AliasRow {
  alias: string;
  version: number;
}
/** A job's summary: its latest version, how many it has, and where each alias points. */
export function toJobSummary(
  latest: JobVersion,
  versions: number,
  aliases: readonly AliasRow[],
): JobSummary {
  return {
    entity: latest.entity,
    project: latest.project,
    name: latest.name,
    versions,
    latest,
    aliases: Object.fromEntries(aliases.map((a) => [a.alias, `v${a.version}`])),
  };
}

/** A run the lease sweep found with its lease run out, with its queue's retry limit. */
export interface ExpiringRunRow {
  id: string;
  agent_id: string | null;
  attempt: number;
  state: string;
  queue_item_id: string | null;
  queue_id: string | null;
  max_attempts: number | null;
  lease_expires_at: number;
}
export const toExpiringRun = (r: ExpiringRunRow): ExpiringRun => ({
  id: r.id,
  agentId: r.agent_id,
  attempt: r.attempt,
  state: r.state,
  queueItemId: r.queue_item_id,
  queueId: r.queue_id,
  maxAttempts: r.max_attempts,
  leaseExpiresAt: r.lease_expires_at,
});

/** A row of `run_transitions`. */
export interface TransitionRow {
  at: number;
  from_state: string;
  to_state: string;
  attempt: number;
}

export function toTransition(r: TransitionRow): RunTransitionRow {
  return {
    at: Number(r.at),
    from: r.from_state as RunTransitionRow['from'],
    to: r.to_state as RunTransitionRow['to'],
    attempt: Number(r.attempt),
  };
}
