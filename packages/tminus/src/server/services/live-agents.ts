/**
 * @module The agents of an entity that count for "why pending": heard from within the window (twice
 * a lease, at least a minute), not killed, and whether each is running its `max_jobs` — counted from
 * the runs themselves, not from its last heartbeat. Shared by `explainQueueItem` and the queues board.
 */
import type { Agent } from '@tminus/sdk/protocol';

import type { ServiceContext } from './context.js';

export interface LiveAgents {
  readonly windowSeconds: number;
  readonly agents: readonly { readonly agent: Agent; readonly atCapacity: boolean }[];
}

export async function liveAgents(ctx: ServiceContext, entity: string): Promise<LiveAgents> {
  const windowSeconds = Math.max(60, Math.round((ctx.leaseMs * 2) / 1000));
  const since = ctx.now() - windowSeconds * 1000;
  const live = (await ctx.store.listAgents(entity)).filter(
    (a) => a.status !== 'killed' && Date.parse(a.lastHeartbeatAt) >= since,
  );
  const agents = await Promise.all(
    live.map(async (agent) => {
      if (agent.maxJobs === -1) return { agent, atCapacity: false };
      const counts = await Promise.all(
        (['starting', 'running', 'stopping'] as const).map((st) =>
          ctx.store.agentRunIds(agent.id, st),
        ),
      );
      return { agent, atCapacity: counts.reduce((n, ids) => n + ids.length, 0) >= agent.maxJobs };
    }),
  );
  return { windowSeconds, agents };
}

/** Of the live agents, those polling `queue`, and how many of them are at capacity. */
export function pollingQueue(live: LiveAgents, queue: string) {
  const polling = live.agents.filter((a) => a.agent.queues.includes(queue));
  return {
    agentsPolling: polling.length,
    agentsAtCapacity: polling.filter((a) => a.atCapacity).length,
    windowSeconds: live.windowSeconds,
  };
}
