import type { QueueItem, RunState } from '@tminus/sdk/protocol';

import { BoundedMap } from '../../lib/bounded-map.js';
import type { Store } from '../../store/store.js';
import type { BlobStore } from '../../store/blob-store.js';
import { Facts } from '../access/facts.js';
import { Guard } from '../access/guard.js';
import { AccessService } from './access.js';
import { AgentService } from './agents.js';
import { BoardService } from './boards.js';
import type { ServiceContext } from './context.js';
import { EnqueueService } from './enqueue.js';
import { EntityService } from './entities.js';
import { ItemService } from './items.js';
import { JobService } from './jobs.js';
import { MetricsService } from './metrics.js';
import { QueueService } from './queues.js';
import { RunService } from './runs.js';

export interface Services {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly entities: EntityService;
  readonly jobs: JobService;
  readonly queues: QueueService;
  readonly enqueue: EnqueueService;
  readonly items: ItemService;
  readonly runs: RunService;
  readonly metrics: MetricsService;
  readonly agents: AgentService;
  readonly access: AccessService;
  /** The web UI's live boards of queues and agents. */
  readonly boards: BoardService;
  /** The checks each route's policy runs (access/policies.ts). */
  readonly guard: Guard;
}

export function createServices(ctx: ServiceContext, version: string): Services {
  const entities = new EntityService(ctx);
  const jobs = new JobService(ctx, entities);
  const queues = new QueueService(ctx, entities);
  const enqueue = new EnqueueService(ctx, entities, queues, jobs);
  // Items this replica just leased, by id: the ack that follows needs the item, which cannot have
  // changed since (spec, entity and queue are fixed at enqueue), so it is not read again.
  const leased = new BoundedMap<string, QueueItem>(10_000);
  // The state of each run in flight as this replica last wrote it (created by an ack, changed by a
  // report): an agent's next report is decided from it without reading the run first. Only a
  // starting point — each write is a compare-and-set on the state it assumed (RunService.updateStatus).
  const written = new BoundedMap<string, RunState>(10_000);
  const facts = new Facts(ctx.store, leased);
  return {
    store: ctx.store,
    blobs: ctx.blobs,
    entities,
    jobs,
    queues,
    enqueue,
    items: new ItemService(ctx, leased, written, facts),
    runs: new RunService(ctx, enqueue, jobs, written),
    metrics: new MetricsService(ctx),
    agents: new AgentService(ctx, queues, jobs, leased, facts),
    access: new AccessService(ctx, entities, queues, version),
    boards: new BoardService(ctx),
    guard: new Guard(facts, ctx.store),
  };
}
