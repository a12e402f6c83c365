/**
 * @module New objects → column values (pure, shared by the store adapters): for each insert, its
 * column list and the values in that order, JSON columns as text. The reverse of rows.ts; each adapter
 * adds only its placeholders (`?` or `$n`), so both write exactly the same row.
 */
import type { Queue } from '@tminus/sdk/protocol';

import { jsonText } from './run-patch.js';
import type { NewAgent, NewQueueItem, NewRun } from './store.js';

export type ColumnValue = string | number | null;

export const QUEUE_COLUMNS =
  'id, entity, name, resource, config, template_variables, prioritization, max_attempts, created_at';

export function queueValues(queue: Queue & { readonly createdAtMs: number }): ColumnValue[] {
  return [
    queue.id,
    queue.entity,
    queue.name,
    queue.resource,
    jsonText(queue.config),
    jsonText(queue.templateVariables),
    queue.prioritization ? 1 : 0,
    queue.maxAttempts,
    queue.createdAtMs,
  ];
}

/** Without `state`: a new item is always `pending`, written as a literal. */
export const ITEM_COLUMNS =
  'id, queue_id, priority, spec, template_variables, project_queue, idempotency_key, warnings, ' +
  'created_at, created_by';

export function itemValues(item: NewQueueItem): ColumnValue[] {
  return [
    item.id,
    item.queueId,
    item.priority,
    jsonText(item.spec),
    jsonText(item.templateVariables),
    item.projectQueue,
    item.idempotencyKey,
    jsonText(item.warnings),
    item.now,
    item.createdBy,
  ];
}

export const RUN_COLUMNS =
  'id, entity, project, name, state, queue_item_id, queue_id, job, spec, config, summary, ' +
  'agent_id, fencing_token, lease_expires_at, created_at, acked_at, created_by';

/** A run starts with an empty summary and is acknowledged when it is created. */
export function runValues(run: NewRun): ColumnValue[] {
  return [
    run.id,
    run.entity,
    run.project,
    run.name,
    run.state,
    run.queueItemId,
    run.queueId,
    run.job,
    jsonText(run.spec),
    jsonText(run.config),
    '{}',
    run.agentId,
    run.fencingToken,
    run.leaseExpiresAt,
    run.now,
    run.now,
    run.createdBy,
  ];
}

export const AGENT_COLUMNS =
  'id, entity, queues, hostname, status, max_jobs, running, version, config, ' +
  'last_heartbeat_at, created_at';

/** A new agent is polling, runs nothing, and its registration is its first sign of life. */
export function agentValues(agent: NewAgent): ColumnValue[] {
  return [
    agent.id,
    agent.entity,
    jsonText(agent.queues),
    agent.hostname,
    'polling',
    agent.maxJobs,
    0,
    agent.version,
    jsonText(agent.config),
    agent.now,
    agent.now,
  ];
}

/** Rows of values → one array per column (PostgreSQL inserts many rows with `unnest`). */
export function columnsOf(
  rows: readonly (readonly ColumnValue[])[],
  width: number,
): ColumnValue[][] {
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column] ?? null));
}
