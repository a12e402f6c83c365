/**
 * Claim long-polls as the real agent keeps them open (one per agent, re-sent when it returns), where
 * their leases go, and a check that every one of them has reached the server.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import type { Api } from '@tminus/sdk';
import type { Lease } from '@tminus/sdk/protocol';

import { backgroundLoops, type Loops } from './loops.js';

/** As the real agent (create-agent.ts): claims wait up to 25 s. */
const CLAIM_WAIT_MS = 25_000;

/** Where a server's polls hand their leases: to whoever is waiting for the next one. */
export interface LeaseInbox {
  readonly deliver: (lease: Lease) => void;
  readonly next: () => Promise<Lease>;
}

export function leaseInbox(): LeaseInbox {
  let waiting: ((lease: Lease) => void) | undefined;
  return {
    deliver: (lease) => {
      if (waiting === undefined) throw new Error(`unexpected lease on ${lease.item.id}`);
      const resolve = waiting;
      waiting = undefined;
      resolve(lease);
    },
    next: () => new Promise<Lease>((resolve) => (waiting = resolve)),
  };
}

/**
 * Long-poll loops, one per agent, as the real agent runs them: a claim waits up to 25 s and is sent
 * again as soon as it returns. Every lease goes to `onLease`.
 */
export function openPolls(
  api: Api,
  agentIds: readonly string[],
  onLease: (lease: Lease) => void,
): Loops {
  return backgroundLoops(agentIds.length, async (i, signal) => {
    for (;;) {
      const { lease } = await api.request(
        'claim',
        { params: { id: agentIds[i]! }, body: { waitMs: CLAIM_WAIT_MS } },
        { signal },
      );
      if (lease !== null) onLease(lease);
    }
  });
}

/** Resolves once every agent's claim has reached the server (a claim stamps the agent's last sign of life). */
export async function pollsRegistered(
  api: Api,
  agentIds: readonly string[],
  polls: Loops,
  since: number,
  timeoutMs = 60_000,
): Promise<void> {
  const ids = new Set(agentIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    polls.check();
    const { items } = await api.request('listAgents', { query: {} });
    const seen = items.filter(
      (a) => ids.has(a.id) && Date.parse(a.lastHeartbeatAt) >= since,
    ).length;
    if (seen === ids.size) return;
    if (Date.now() > deadline)
      throw new Error(
        `only ${seen} of ${ids.size} agents have an open claim after ${timeoutMs} ms`,
      );
    await sleep(200);
  }
}
