/**
 * Heartbeats of fake agents, as the real agent sends them: every 5 s, all of the agent's runs in one
 * call, keeping their leases alive; round trips and lost leases are counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Api } from '@tminus/sdk';

import type { OwnedRun } from './fake-agents.js';
import { ms } from './units.js';

/** As the real agent (create-agent.ts): heartbeats every 5 s. */
export const HEARTBEAT_MS = 5_000;

/**
 * Heartbeats, as the real agent sends them: every `HEARTBEAT_MS`, all of the agent's runs in one
 * call. Agents start staggered over one period so that their heartbeats do not all land at once.
 * Round trips are recorded from `record()` on; `fullRound()` resolves once every agent has completed
 * a heartbeat sent after it was called.
 */
export function startHeartbeats(
  api: Api,
  agentIds: readonly string[],
  runsOf: readonly OwnedRun[][],
) {
  const stats = { lost: 0, roundTripsMs: [] as number[] };
  const lastSent = agentIds.map(() => 0);
  const lastDone = agentIds.map(() => 0);
  const timers: NodeJS.Timeout[] = [];
  let recording = false;
  let stopped = false;
  const beat = async (i: number) => {
    const runs = [...runsOf[i]!];
    const start = performance.now();
    lastSent[i] = start;
    const status = runs.length > 0 ? 'running' : 'polling';
    const answer = await api.request('heartbeat', {
      params: { id: agentIds[i]! },
      body: { status, runs },
    });
    stats.lost += answer.lost.length;
    if (recording) stats.roundTripsMs.push(ms(start));
    lastDone[i] = lastSent[i]!;
  };
  agentIds.forEach((_, i) => {
    const tick = () => {
      if (stopped) return;
      beat(i)
        .catch((error: unknown) => {
          if (!stopped) console.error(`heartbeat of agent ${i} failed: ${String(error)}`);
        })
        .finally(() => {
          if (!stopped) timers[i] = setTimeout(tick, HEARTBEAT_MS);
        });
    };
    timers[i] = setTimeout(tick, (HEARTBEAT_MS * i) / agentIds.length);
  });
  return {
    stats,
    record: () => (recording = true),
    fullRound: async () => {
      const since = performance.now();
      while (!lastDone.every((t) => t >= since)) {
        if (ms(since) > 3 * HEARTBEAT_MS)
          throw new Error('not every agent completed a heartbeat within 3 periods');
        await sleep(100);
      }
    },
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}

export type Heartbeats = ReturnType<typeof startHeartbeats>;
