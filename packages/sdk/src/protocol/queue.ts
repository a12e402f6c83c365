import * as z from 'zod';

import { JsonObject, Name, PriorityValue, Timestamp } from './common.js';
import { LaunchSpec, LaunchSpecInput } from './launch-spec.js';
import { RunWaiting } from './run.js';

export const RESOURCES = [
  'local-process',
  'local-container',
  'kubernetes',
  'slurm',
  'sagemaker',
  'gcp-vertex',
] as const;
export const Resource = z.enum(RESOURCES);
export type Resource = z.infer<typeof Resource>;

/** Schema of one queue template variable (W&B: string with enum, integer/number with bounds). */
export const TemplateVariableSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('string'),
    enum: z.array(z.string()).optional(),
    default: z.string().optional(),
    description: z.string().optional(),
  }),
  z.object({
    type: z.enum(['integer', 'number']),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    default: z.number().optional(),
    description: z.string().optional(),
  }),
]);
export type TemplateVariableSchema = z.infer<typeof TemplateVariableSchema>;

export const Queue = z.object({
  id: z.string(),
  entity: z.string(),
  name: z.string(),
  resource: z.string(),
  /** Default resource config; values may hold `{{variable}}` placeholders. */
  config: JsonObject,
  templateVariables: z.record(z.string(), TemplateVariableSchema),
  prioritization: z.boolean(),
  maxAttempts: z.number().int().min(1),
  createdAt: Timestamp,
});
export type Queue = z.infer<typeof Queue>;

export const CreateQueueRequest = z.object({
  entity: Name.optional(),
  name: Name,
  resource: Resource.default('local-process'),
  config: JsonObject.default({}),
  templateVariables: z.record(z.string(), TemplateVariableSchema).default({}),
  prioritization: z.boolean().default(false),
  maxAttempts: z.number().int().min(1).max(100).default(1),
});
export type CreateQueueRequest = z.input<typeof CreateQueueRequest>;

export const QueueItemState = z.enum(['pending', 'leased', 'claimed', 'failed']);
export type QueueItemState = z.infer<typeof QueueItemState>;

export const QueueItem = z.object({
  id: z.string(),
  queueId: z.string(),
  queue: z.string(),
  /** Entity that owns the queue. */
  entity: z.string(),
  projectQueue: z.string(),
  state: QueueItemState,
  priority: PriorityValue,
  spec: LaunchSpec,
  templateVariables: JsonObject,
  /** The run this item became, once an agent acknowledged it (W&B `associatedRunId`). */
  runId: z.string().nullable(),
  /** The user who launched it (null for items queued before users existed). */
  createdBy: z.string().nullable(),
  error: z.object({ stage: z.string(), message: z.string() }).nullable(),
  warnings: z.array(z.string()),
  createdAt: Timestamp,
});
export type QueueItem = z.infer<typeof QueueItem>;

export const EnqueueRequest = z.object({
  queue: Name,
  /** Entity that owns the queue; default: the spec's entity, then the key's default entity. */
  queueEntity: Name.optional(),
  projectQueue: z.string().max(128).optional(),
  spec: LaunchSpecInput,
  priority: PriorityValue.optional(),
  templateVariables: JsonObject.optional(),
});
export type EnqueueRequest = z.infer<typeof EnqueueRequest>;

/** Most items one batch enqueue takes; the SDK splits longer lists. */
export const MAX_BATCH_ITEMS = 10_000;

/** Several enqueues in one request, all or none (`launchAddBatch`). */
export const EnqueueBatchRequest = z.object({
  items: z.array(EnqueueRequest).min(1).max(MAX_BATCH_ITEMS),
});
export type EnqueueBatchRequest = z.infer<typeof EnqueueBatchRequest>;

/**
 * What a batch enqueue answers for each run: where it went and under which id — not the whole item
 * back (10,000 specs echoed cost more to send and check than to store); `getQueueItem` has the rest.
 */
export const EnqueuedItem = z.object({
  id: z.string(),
  queue: z.string(),
  /** Entity that owns the queue. */
  queueEntity: z.string(),
  /** The run's entity and project. */
  entity: z.string(),
  project: z.string(),
  projectQueue: z.string(),
  priority: PriorityValue,
  /** `pending`, unless a retried batch found the item already taken. */
  state: QueueItemState,
  warnings: z.array(z.string()),
});
export type EnqueuedItem = z.infer<typeof EnqueuedItem>;

/** Why a queued run is still pending (W&B users' most frequent question). */
export const PendingExplanation = z.object({
  state: QueueItemState,
  /** 1 = next to be claimed; null once it is no longer pending. */
  position: z.number().int().nullable(),
  queue: z.string(),
  /** Live agents (heard from in the last `windowSeconds`) that poll this queue. */
  agentsPolling: z.number().int(),
  /** Of those, how many are running their `max_jobs`. */
  agentsAtCapacity: z.number().int(),
  windowSeconds: z.number().int(),
  message: z.string(),
  /** A claimed item whose run is still `starting`: why the run's engine (e.g. Slurm) holds it back. */
  waiting: RunWaiting.optional(),
});
export type PendingExplanation = z.infer<typeof PendingExplanation>;
