/**
 * Queue throughput with trivial work: enqueues per second, and full lifecycles (claim → ack →
 * running → finished) per second with N concurrent no-op agents speaking the real HTTP protocol.
 */
import { hostname } from 'node:os';

import { type Api, launchAdd } from '@tminus/sdk';

import { round } from './stats.js';

async function pool<T>(count: number, worker: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => worker(i)));
}

export async function enqueueRate(api: Api, job: string, queue: string, total: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await pool(clients, async () => {
    while (next++ < total) await launchAdd({ api, job, queueName: queue });
  });
  return round(total / ((performance.now() - started) / 1000), 0);
}

/** Fake agents: claim, ack, report running and finished; no process is spawned. */
export async function lifecycleRate(api: Api, queue: string, total: number, agents: number): Promise<number> {
  const ids = await pool(agents, async () =>
    (await api.request('registerAgent', { body: { queues: [queue], hostname: hostname(), maxJobs: 1, version: 'bench' } })).id,
  );
  let done = 0;
  const started = performance.now();
  await pool(agents, async (i) => {
    for (;;) {
      const { lease } = await api.request('claim', { params: { id: ids[i]! }, body: { waitMs: 0 } });
      if (lease === null) return;
      const token = lease.fencingToken;
      const run = await api.request('ackItem', { params: { id: lease.item.id }, body: { fencingToken: token, runId: `r_${lease.item.id}` } });
      await api.request('updateRunStatus', { params: { id: run.id }, body: { fencingToken: token, state: 'running' } });
      await api.request('updateRunStatus', { params: { id: run.id }, body: { fencingToken: token, state: 'finished', exitCode: 0 } });
      done++;
    }
  });
  if (done !== total) throw new Error(`lifecycle bench finished ${done} of ${total}`);
  return round(total / ((performance.now() - started) / 1000), 0);
}
