/**
 * Queue throughput with trivial work, against a running server (SQLite or PostgreSQL): enqueues per
 * second (one run per request, and batched), and full lifecycles (claim → ack → finished) per second
 * with N concurrent no-op agents speaking the real HTTP protocol. No process is spawned.
 */
import { type Api, launchAdd, launchAddBatch } from '@tminus/sdk';

import { mapPool } from './pool.js';
import { round } from './stats.js';

export interface ThroughputSizes {
  readonly enqueue: number;
  readonly batched: number;
  readonly lifecycle: number;
}

export interface ThroughputResult {
  readonly enqueue_per_s_1_client: number;
  readonly enqueue_per_s_16_clients: number;
  /** `launchAddBatch` of `batch_size` runs per request, `batch_clients` requests in flight. */
  readonly enqueue_batched_per_s: number;
  readonly batch_size: number;
  readonly batch_clients: number;
  /** Keyed by agent count. */
  readonly lifecycles_per_s: Record<string, number>;
}

export const BATCH = { size: 10_000, clients: 2 } as const;

/** `count` workers at once. */
const pool = <T>(count: number, worker: (index: number) => Promise<T>) => mapPool(count, count, worker);

const perSecond = (count: number, startedMs: number) => round(count / ((performance.now() - startedMs) / 1000), 0);

export async function measureThroughput(api: Api, sizes: ThroughputSizes, agentCounts: readonly number[], label: string): Promise<ThroughputResult> {
  const job = (await api.request('createJob', { body: { project: 'bench', name: 'noop', source: { type: 'image', image: 'noop:1' } } })).job.ref;
  const queue = async (name: string) => (await api.request('createQueue', { body: { name } })).name;
  const enq = await queue(`enq-${label}`);
  // Warm-up, untimed: JIT, caches, connection pools.
  await enqueueRate(api, job, enq, Math.min(500, sizes.enqueue), 16);
  const warm = await queue(`warm-${label}`);
  await seed(api, job, warm, 300);
  await lifecycleRate(api, warm, 300, 4);
  const lifecycles: Record<string, number> = {};
  for (const agents of agentCounts) {
    const name = await queue(`life${agents}-${label}`);
    await seed(api, job, name, sizes.lifecycle);
    lifecycles[String(agents)] = await lifecycleRate(api, name, sizes.lifecycle, agents);
  }
  return {
    enqueue_per_s_1_client: await enqueueRate(api, job, enq, sizes.enqueue, 1),
    enqueue_per_s_16_clients: await enqueueRate(api, job, enq, sizes.enqueue, 16),
    enqueue_batched_per_s: await batchedRate(api, job, enq, sizes.batched),
    batch_size: Math.min(BATCH.size, sizes.batched),
    batch_clients: BATCH.clients,
    lifecycles_per_s: lifecycles,
  };
}

/** One run per request (`launchAdd`), from `clients` concurrent callers. */
export async function enqueueRate(api: Api, job: string, queue: string, total: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await pool(clients, async () => {
    while (next++ < total) await launchAdd({ api, job, queueName: queue });
  });
  return perSecond(total, started);
}

async function batchedRate(api: Api, job: string, queue: string, total: number): Promise<number> {
  const size = Math.min(BATCH.size, total);
  const items = Array.from({ length: size }, () => ({ job, queueName: queue }));
  await launchAddBatch(items, { api }); // warm-up, untimed
  let sent = 0;
  const started = performance.now();
  await pool(BATCH.clients, async () => {
    while (sent < total) {
      sent += size;
      await launchAddBatch(items, { api });
    }
  });
  return perSecond(sent, started);
}

async function seed(api: Api, job: string, queue: string, total: number): Promise<void> {
  for (let i = 0; i < total; i += BATCH.size) {
    await launchAddBatch(Array.from({ length: Math.min(BATCH.size, total - i) }, () => ({ job, queueName: queue })), { api });
  }
}

/** Fake agents: claim, acknowledge, report finished; exactly `total` lifecycles must complete. */
export async function lifecycleRate(api: Api, queue: string, total: number, agents: number): Promise<number> {
  const ids = await pool(agents, async () =>
    (await api.request('registerAgent', { body: { queues: [queue], hostname: 'bench', maxJobs: 1, version: 'bench' } })).id,
  );
  let done = 0;
  const started = performance.now();
  await pool(agents, async (i) => {
    for (;;) {
      // Idle when they claim, as a real agent with max_jobs 1 is: nothing of theirs to cancel.
      const { lease } = await api.request('claim', { params: { id: ids[i]! }, body: { waitMs: 0, active: 0 } });
      if (lease === null) return;
      const token = lease.fencingToken;
      const run = await api.request('ackItem', { params: { id: lease.item.id }, body: { fencingToken: token, runId: `r${lease.item.id.slice(3)}` } });
      await api.request('updateRunStatus', { params: { id: run.id }, body: { fencingToken: token, state: 'finished', exitCode: 0 } });
      done++;
    }
  });
  if (done !== total) throw new Error(`lifecycle bench finished ${done} of ${total}`);
  return perSecond(total, started);
}
