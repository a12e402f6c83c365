import { LaunchError } from '@tminus/sdk';
import type {
  FailureStage,
  PendingExplanation,
  QueueItem,
  Run,
  RunState,
} from '@tminus/sdk/protocol';

import { explainPending } from '../../core/pending-explanation.js';
import { topics } from '../notifier.js';
import type { Facts } from '../access/facts.js';
import { itemNotFound } from '../not-found.js';
import type { ServiceContext } from './context.js';
import { liveAgents, pollingQueue } from './live-agents.js';

/** Queue items after enqueue: reading (with long-poll), deleting, acknowledging and failing. */
export class ItemService {
  constructor(
    private readonly ctx: ServiceContext,
    /** Items this replica leased, as they were leased (see services/index.ts). */
    private readonly leased: Map<string, QueueItem> = new Map(),
    /** The state of each run as this replica last wrote it: the ack records the run it creates. */
    private readonly written: Map<string, RunState> = new Map(),
    /** Told about each run an ack creates, so the run's reports are authorized without a read. */
    private readonly facts?: Facts,
  ) {}

  async get(id: string): Promise<QueueItem> {
    const item = await this.ctx.store.getQueueItem(id);
    if (item === undefined) throw itemNotFound(id);
    return item;
  }

  /** Holds until the item has a run (or failed), up to `waitMs`. */
  async waitStarted(id: string, waitMs: number, signal?: AbortSignal): Promise<QueueItem> {
    const started = await this.ctx.notifier.waitFor(
      [topics.item(id)],
      waitMs,
      async () => {
        const item = await this.get(id);
        return item.runId !== null || item.state === 'failed' ? item : undefined;
      },
      signal,
    );
    return started ?? this.get(id);
  }

  /** Position in its queue, live agents polling it and their capacity, in one sentence. */
  async explain(id: string): Promise<PendingExplanation> {
    const item = await this.get(id);
    const live = await liveAgents(this.ctx, item.entity);
    const position =
      item.state === 'pending' ? (await this.ctx.store.countPendingAhead(id)) + 1 : null;
    const run =
      item.state !== 'pending' && item.runId !== null
        ? await this.ctx.store.getRun(item.runId)
        : undefined;
    return explainPending({ item, position, run, ...pollingQueue(live, item.queue) });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.ctx.store.deleteQueueItem(id);
    if (result === 'not_found') return false;
    if (result === 'not_pending') {
      const item = await this.get(id);
      throw new LaunchError(
        'CONFLICT',
        `Queued run ${id} is ${item.state}, not pending, so it cannot be removed from the queue`,
        {
          hint: item.runId
            ? `Stop its run with \`tminus run cancel ${item.runId}\`.`
            : 'An agent has taken it; cancel the run once it exists.',
        },
      );
    }
    this.ctx.notifier.notify(topics.item(id));
    return true;
  }

  async ack(itemId: string, fencingToken: string, runId: string): Promise<Run> {
    // The store checks the token and the state; the cached item only supplies what never changes.
    const item = this.leased.get(itemId) ?? (await this.get(itemId));
    const spec = item.spec;
    const now = this.ctx.now();
    const run = await this.ctx.store.ackItem(itemId, fencingToken, {
      id: runId,
      entity: spec.entity ?? item.entity,
      project: spec.project ?? 'uncategorized',
      name: spec.name ?? null,
      queueItemId: itemId,
      queueId: item.queueId,
      job: spec.job ?? null,
      spec,
      config: spec.overrides?.run_config ?? {},
      agentId: null,
      fencingToken,
      state: 'starting',
      leaseExpiresAt: now + this.ctx.leaseMs,
      createdBy: item.createdBy,
      now,
    });
    this.facts?.rememberRun(run.id, item);
    this.leased.delete(itemId);
    this.written.set(run.id, run.state);
    this.ctx.notifier.notify(topics.item(itemId));
    this.ctx.notifier.notify(topics.run(runId));
    return run;
  }

  async fail(
    itemId: string,
    fencingToken: string,
    stage: FailureStage,
    message: string,
  ): Promise<QueueItem> {
    const item = await this.ctx.store.failItem(itemId, fencingToken, { stage, message });
    this.ctx.notifier.notify(topics.item(itemId));
    return item;
  }
}
