/** Agents without agent processes: the agent's HTTP calls (register; claim, ack, `running`) made by the bench itself. */
import type { Api } from '@tminus/sdk';

import { mapPool } from '../pool.js';

/** A run an agent started and holds: what its heartbeats carry. */
export interface OwnedRun {
  readonly runId: string;
  readonly fencingToken: string;
}

/** `count` agents on `queue`, registered 16 at a time; their ids. */
export async function registerAgents(
  api: Api,
  queue: string,
  count: number,
  maxJobs: number,
): Promise<string[]> {
  return mapPool(
    count,
    16,
    async () =>
      (
        await api.request('registerAgent', {
          body: { queues: [queue], hostname: 'bench', maxJobs, version: 'bench' },
        })
      ).id,
  );
}

/** Claim, ack and report `running`; null when the queue is empty. */
export async function startOneRun(
  api: Api,
  agentId: string,
  runId: string,
): Promise<OwnedRun | null> {
  const { lease } = await api.request('claim', { params: { id: agentId }, body: { waitMs: 0 } });
  if (lease === null) return null;
  const fencingToken = lease.fencingToken;
  const run = await api.request('ackItem', {
    params: { id: lease.item.id },
    body: { fencingToken, runId },
  });
  await api.request('updateRunStatus', {
    params: { id: run.id },
    body: { fencingToken, state: 'running' },
  });
  return { runId: run.id, fencingToken };
}
