import { LaunchError } from '@tminus/sdk';
import type { FailureStage, QueueItem, Run } from '@tminus/sdk/protocol';

import { topics } from '../notifier.js';
import type { ServiceContext } from './context.js';

/** Queue items after enqueue: reading (with long-poll), deleting, acknowledging and failing. */
export class ItemService {
  constructor(private readonly ctx: ServiceContext) {}

  async get(id: string): Promise<QueueItem> {
    const item = await this.ctx.store.getQueueItem(id);
    if (item === undefined) {
      throw new LaunchError('NOT_FOUND', `Queued run ${id} not found`, { hint: 'It may have been deleted; list runs with `tminus run list`.' });
    }
    return item;
  }

  /** Holds until the item has a run (or failed), up to `waitMs`. */
  async waitStarted(id: string, waitMs: number, signal?: AbortSignal): Promise<QueueItem> {
    const started = await this.ctx.notifier.waitFor([topics.item(id)], waitMs, async () => {
      const item = await this.get(id);
      return item.runId !== null || item.state === 'failed' ? item : undefined;
    }, signal);
    return started ?? this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.ctx.store.deleteQueueItem(id);
    if (result === 'not_found') return false;
    if (result === 'not_pending') {
      const item = await this.get(id);
      throw new LaunchError('CONFLICT', `Queued run ${id} is ${item.state}, not pending, so it cannot be removed from the queue`, {
        hint: item.runId ? `Stop its run with \`tminus run cancel ${item.runId}\`.` : 'An agent has taken it; cancel the run once it exists.',
      });
    }
    this.ctx.notifier.notify(topics.item(id));
    return true;
  }

  async ack(itemId: string, fencingToken: string, runId: string): Promise<Run> {
    const item = await this.get(itemId);
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
      now,
    });
    this.ctx.notifier.notify(topics.item(itemId));
    this.ctx.notifier.notify(topics.run(runId));
    return run;
  }

  async fail(itemId: string, fencingToken: string, stage: FailureStage, message: string): Promise<QueueItem> {
    const item = await this.ctx.store.failItem(itemId, fencingToken, { stage, message });
    this.ctx.notifier.notify(topics.item(itemId));
    return item;
  }
}
