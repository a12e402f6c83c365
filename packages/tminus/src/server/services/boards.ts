/**
 * @module The web UI's live boards: each queue of an entity with what waits on it (in dispatch order,
 * with why) and the agents polling it; each agent with the runs it has going. Watched like the run
 * list (services/watch.ts): held until the board differs from the caller's (docs/decisions/0048).
 */
import type {
  AgentBoardEntry,
  BoardRun,
  QueueBoardEntry,
  QueueBoardItem,
} from '@tminus/sdk/protocol';

import { explainPending } from '../../core/pending-explanation.js';
import { topics } from '../notifier.js';
import type { ServiceContext } from './context.js';
import { liveAgents, pollingQueue } from './live-agents.js';
import { type WatchRequest, watchDigest } from './watch.js';

/** Items of each state a queue card lists; the pending ones get their "why" (a sentence each). */
const ITEMS_SHOWN = 200;
/** Runs in flight an agent row may list, per state. */
const RUNS_SHOWN = 1_000;
const ACTIVE = ['starting', 'running', 'stopping'] as const;

export class BoardService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Woken by any item's, run's (capacity) or agent's change. */
  async watchQueues(entity: string, request: WatchRequest) {
    const { digest, value } = await watchDigest(
      this.ctx.notifier,
      [topics.anyQueue, topics.anyRun, topics.anyAgent],
      () => this.queues(entity),
      request,
    );
    return { digest, queues: value };
  }

  /** Woken by any agent's or run's change. */
  async watchAgents(entity: string, request: WatchRequest) {
    const { digest, value } = await watchDigest(
      this.ctx.notifier,
      [topics.anyAgent, topics.anyRun],
      () => this.agents(entity),
      request,
    );
    return { digest, agents: value };
  }

  async queues(entity: string): Promise<QueueBoardEntry[]> {
    const [queues, agents, live] = await Promise.all([
      this.ctx.store.listQueues(entity),
      this.ctx.store.listAgents(entity),
      liveAgents(this.ctx, entity),
    ]);
    return Promise.all(
      queues.map(async (queue): Promise<QueueBoardEntry> => {
        const [pending, leased] = await Promise.all(
          (['pending', 'leased'] as const).map((state) =>
            this.ctx.store.listQueueItems(queue.id, state, ITEMS_SHOWN),
          ),
        );
        // Listed in enqueue order; a stable sort by priority is the order of dispatch, so the
        // position of each is its place here (as `countPendingAhead` counts it).
        const ordered = [...pending!].sort((a, b) => a.priority - b.priority);
        const polling = pollingQueue(live, queue.name);
        const items: QueueBoardItem[] = [
          ...ordered.map((item, i) => ({
            item,
            why: explainPending({ item, position: i + 1, run: undefined, ...polling }),
          })),
          ...leased!.map((item) => ({ item, why: null })),
        ];
        return { queue, items, agents: agents.filter((a) => a.queues.includes(queue.name)) };
      }),
    );
  }

  /** The entity's agents and, for each, its runs in flight that belong to the entity. */
  async agents(entity: string): Promise<AgentBoardEntry[]> {
    const [agents, ...pages] = await Promise.all([
      this.ctx.store.listAgents(entity),
      ...ACTIVE.map((state) => this.ctx.store.listRuns({ entity, state, limit: RUNS_SHOWN })),
    ]);
    const runs = pages.flatMap((p) => p.items);
    return agents.map((agent) => ({
      agent,
      runs: runs
        .filter((r) => r.agentId === agent.id)
        .map((r): BoardRun => ({
          id: r.id,
          entity: r.entity,
          project: r.project,
          name: r.name,
          state: r.state,
          queue: r.queue,
        })),
    }));
  }
}
