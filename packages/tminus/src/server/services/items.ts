import { LaunchError } from '@tminus/sdk';
import type {
  FailureStage,
  PendingExplanation,
  QueueItem,
  Run,
  RunState,
} from '@tminus/sdk/protocol';

import { topics } from '../notifier.js';
import type { Facts } from '../access/facts.js';
import { itemNotFound } from '../not-found.js';
import type { ServiceContext } from './context.js';

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
    const windowSeconds = Math.max(60, Math.round((this.ctx.leaseMs * 2) / 1000));
    const since = this.ctx.now() - windowSeconds * 1000;
    const agents = (await this.ctx.store.listAgents(item.entity)).filter(
      (a) =>
        a.queues.includes(item.queue) &&
        a.status !== 'killed' &&
        Date.parse(a.lastHeartbeatAt) >= since,
    );
    // Count the agents' active runs from the runs themselves, not from their last heartbeat.
    const busy = await Promise.all(
      agents.map(async (a) => {
        if (a.maxJobs === -1) return false;
        const counts = await Promise.all(
          (['starting', 'running', 'stopping'] as const).map((st) =>
            this.ctx.store.agentRunIds(a.id, st),
          ),
        );
        return counts.reduce((n, ids) => n + ids.length, 0) >= a.maxJobs;
      }),
    );
    const atCapacity = busy.filter(Boolean).length;
    const position =
      item.state === 'pending' ? (await this.ctx.store.countPendingAhead(id)) + 1 : null;
    // Claimed, but its run's engine (a Slurm queue) has not started it: the engine's reason.
    const run =
      item.state !== 'pending' && item.runId !== null
        ? await this.ctx.store.getRun(item.runId)
        : undefined;
    const waiting = item.state === 'claimed' ? (run?.waiting ?? undefined) : undefined;
    // A run that failed says where and why (a failed build: the build log's last lines).
    const failure =
      run?.failure == null
        ? ''
        : `; it failed at stage ${run.failure.stage}: ${run.failure.message}`;
    let message: string;
    if (run !== undefined && waiting !== undefined)
      message = `Not pending: it is run ${run.id} (${run.state}), handed to ${run.spec.resource ?? 'its runner'}, which holds it back (${waiting.reason}). ${waiting.message}`;
    else if (item.state !== 'pending')
      message = item.runId
        ? `Not pending: it is run ${item.runId} (${run?.state ?? item.state})${failure === '' ? '.' : failure}`
        : `Not pending: it is ${item.state}.`;
    else if (agents.length === 0)
      message = `Position ${position} in queue ${item.queue}, but no agent has polled this queue in the last ${windowSeconds} s. Start one: tminus agent -q ${item.queue} -e ${item.entity}`;
    else if (atCapacity === agents.length)
      message = `Position ${position} in queue ${item.queue}; all ${agents.length} agent(s) polling it are running their max_jobs. It starts when one finishes a run (or raise --max-jobs).`;
    else
      message = `Position ${position} in queue ${item.queue}; ${agents.length - atCapacity} of ${agents.length} agent(s) have free capacity, so it should start as soon as the ${position === 1 ? 'next claim' : `${(position ?? 1) - 1} item(s) ahead of it are claimed`}.`;
    return {
      state: item.state,
      position,
      queue: item.queue,
      agentsPolling: agents.length,
      agentsAtCapacity: atCapacity,
      windowSeconds,
      message,
      ...(waiting === undefined ? {} : { waiting }),
    };
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
