/**
 * Queue throughput with trivial work, against a running server (SQLite or PostgreSQL): enqueues per
 * second (one run per request, and batched), and full lifecycles (claim → ack → finished) per second
 * with N concurrent no-op agents speaking the real HTTP protocol. No process is spawned.
 */
import { type Api, launchAdd, launchAddBatch } from '@tminus/sdk';
import { MAX_BATCH_ITEMS } from '@tminus/sdk/protocol';

import { availableParallelism } from 'node:os';

import { mapPool } from './pool.js';
import { percentile, round } from './stats.js';

export interface ThroughputSizes {
  readonly enqueue: number;
  readonly batched: number;
  readonly lifecycle: number;
  /** Each figure is the median of this many runs (this machine varies by ±20 % from run to run). */
  readonly repeat: number;
}

export interface ThroughputResult {
  readonly enqueue_per_s_1_client: number;
  readonly enqueue_per_s_16_clients: number;
  /** The better of the batch shapes below. */
  readonly enqueue_batched_per_s: number;
  /** `launchAddBatch` of `size` runs per request, `clients` requests in flight. */
  readonly batched: { readonly size: number; readonly clients: number; readonly per_s: number }[];
  /** Keyed by agent count. */
  readonly lifecycles_per_s: Record<string, number>;
  /** CPU per lifecycle by process, keyed by agent count (null parts where /proc is missing). */
  readonly lifecycle_cpu: Record<string, LifecycleCpu>;
  /** How many runs each figure is the median of. */
  readonly repeat: number;
}

/**
 * Milliseconds of CPU one lifecycle cost the server process, the database server's processes
 * (PostgreSQL; SQLite runs inside the server) and the fake agents (this process), and the rate at
 * which that work alone would fill every core of this machine — the ceiling here, whatever the code
 * waits on. On a 2-core machine the three share the same cores.
 */
export interface LifecycleCpu {
  readonly server_ms: number | null;
  readonly database_ms: number | null;
  readonly agents_ms: number;
  readonly total_ms: number | null;
  readonly ceiling_per_s: number | null;
}

/** CPU seconds used so far by the server, the database server (null for an embedded one) and this process. */
export type CpuReading = () => {
  readonly server: number | null;
  readonly database: number | null;
  readonly self: number;
};

/** CPU seconds this process has used so far. */
export const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Large requests, few in flight; and smaller ones, more in flight (what a sweep controller sends). */
export const BATCH_SHAPES = [
  { size: 10_000, clients: 2 },
  { size: 1_000, clients: 4 },
] as const;

/** `count` workers at once. */
const pool = <T>(count: number, worker: (index: number) => Promise<T>) =>
  mapPool(count, count, worker);

const perSecond = (count: number, startedMs: number) =>
  round(count / ((performance.now() - startedMs) / 1000), 0);

/** The median of `times` runs of `measure`. */
async function medianOf(times: number, measure: () => Promise<number>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < times; i++) runs.push(await measure());
  return percentile(runs, 50);
}

export async function measureThroughput(
  api: Api,
  sizes: ThroughputSizes,
  agentCounts: readonly number[],
  label: string,
  cpu: CpuReading = () => ({ server: null, database: null, self: selfCpu() }),
): Promise<ThroughputResult> {
  const job = (
    await api.request('createJob', {
      body: { project: 'bench', name: 'noop', source: { type: 'image', image: 'noop:1' } },
    })
  ).job.ref;
  let queues = 0;
  const queue = async (name: string) =>
    (await api.request('createQueue', { body: { name: `${name}-${label}-${queues++}` } })).name;
  const enq = await queue('enq');
  // Warm-up, untimed: JIT, caches, connection pools.
  await enqueueRate(api, job, enq, Math.min(500, sizes.enqueue), 16);
  const warm = await queue('warm');
  await seed(api, job, warm, 300);
  await lifecycleRate(api, warm, 300, 4);
  const lifecycles: Record<string, number> = {};
  const lifecycleCpu: Record<string, LifecycleCpu> = {};
  for (const agents of agentCounts) {
    const used = { server: 0 as number | null, database: 0 as number | null, self: 0 };
    lifecycles[String(agents)] = await medianOf(sizes.repeat, async () => {
      const name = await queue(`life${agents}`);
      await seed(api, job, name, sizes.lifecycle);
      const before = cpu();
      const rate = await lifecycleRate(api, name, sizes.lifecycle, agents);
      const after = cpu();
      const delta = (a: number | null, b: number | null, sum: number | null) =>
        a === null || b === null || sum === null ? null : sum + b - a;
      used.server = delta(before.server, after.server, used.server);
      used.database = delta(before.database, after.database, used.database);
      used.self += after.self - before.self;
      return rate;
    });
    lifecycleCpu[String(agents)] = cpuPerLifecycle(used, sizes.lifecycle * sizes.repeat);
  }
  const batched = [];
  for (const shape of BATCH_SHAPES) {
    const size = Math.min(shape.size, sizes.batched);
    batched.push({
      size,
      clients: shape.clients,
      per_s: await medianOf(sizes.repeat, () =>
        batchedRate(api, job, enq, sizes.batched, size, shape.clients),
      ),
    });
  }
  return {
    enqueue_per_s_1_client: await medianOf(sizes.repeat, () =>
      enqueueRate(api, job, enq, sizes.enqueue, 1),
    ),
    enqueue_per_s_16_clients: await medianOf(sizes.repeat, () =>
      enqueueRate(api, job, enq, sizes.enqueue, 16),
    ),
    enqueue_batched_per_s: Math.max(...batched.map((b) => b.per_s)),
    batched,
    lifecycles_per_s: lifecycles,
    lifecycle_cpu: lifecycleCpu,
    repeat: sizes.repeat,
  };
}

function cpuPerLifecycle(
  used: { server: number | null; database: number | null; self: number },
  lifecycles: number,
): LifecycleCpu {
  const ms = (seconds: number | null) =>
    seconds === null ? null : round((1000 * seconds) / lifecycles, 3);
  // An embedded database (SQLite) costs nothing apart: its work is in the server's figure.
  const total = used.server === null ? null : used.server + (used.database ?? 0) + used.self;
  return {
    server_ms: ms(used.server),
    database_ms: ms(used.database),
    agents_ms: ms(used.self) ?? 0,
    total_ms: ms(total),
    ceiling_per_s:
      total === null || total === 0
        ? null
        : round((availableParallelism() * lifecycles) / total, 0),
  };
}

/** One run per request (`launchAdd`), from `clients` concurrent callers. */
export async function enqueueRate(
  api: Api,
  job: string,
  queue: string,
  total: number,
  clients: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await pool(clients, async () => {
    while (next++ < total) await launchAdd({ api, job, queueName: queue });
  });
  return perSecond(total, started);
}

async function batchedRate(
  api: Api,
  job: string,
  queue: string,
  total: number,
  size: number,
  clients: number,
): Promise<number> {
  const items = Array.from({ length: size }, () => ({ job, queueName: queue }));
  await launchAddBatch(items, { api }); // warm-up, untimed
  let sent = 0;
  const started = performance.now();
  await pool(clients, async () => {
    while (sent < total) {
      sent += size;
      await launchAddBatch(items, { api });
    }
  });
  return perSecond(sent, started);
}

async function seed(api: Api, job: string, queue: string, total: number): Promise<void> {
  for (let i = 0; i < total; i += MAX_BATCH_ITEMS) {
    await launchAddBatch(
      Array.from({ length: Math.min(MAX_BATCH_ITEMS, total - i) }, () => ({
        job,
        queueName: queue,
      })),
      { api },
    );
  }
}

/** Fake agents: claim, acknowledge, report finished; exactly `total` lifecycles must complete. */
export async function lifecycleRate(
  api: Api,
  queue: string,
  total: number,
  agents: number,
): Promise<number> {
  const ids = await pool(
    agents,
    async () =>
      (
        await api.request('registerAgent', {
          body: { queues: [queue], hostname: 'bench', maxJobs: 1, version: 'bench' },
        })
      ).id,
  );
  let done = 0;
  const started = performance.now();
  await pool(agents, async (i) => {
    for (;;) {
      // Idle when they claim, as a real agent with max_jobs 1 is: nothing of theirs to cancel.
      const { lease } = await api.request('claim', {
        params: { id: ids[i]! },
        body: { waitMs: 0, active: 0 },
      });
      if (lease === null) return;
      const token = lease.fencingToken;
      const run = await api.request('ackItem', {
        params: { id: lease.item.id },
        body: { fencingToken: token, runId: `r${lease.item.id.slice(3)}` },
      });
      await api.request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken: token, state: 'finished', exitCode: 0 },
      });
      done++;
    }
  });
  if (done !== total) throw new Error(`lifecycle bench finished ${done} of ${total}`);
  return perSecond(total, started);
}
