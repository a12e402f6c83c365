/**
 * The scale bench's `tminus server` processes: each tracked so that an error cannot leave one
 * behind, and what /proc says about them (RSS once it has settled, CPU per thing done).
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Api } from '@tminus/sdk';

import { clockTicks, processCpu, rssMb } from '../proc.js';
import { stopProcess } from '../processes.js';
import { startServer as startTminusServer } from '../server.js';
import { round } from '../stats.js';

/** Every server process this started, so that `finally` can stop the ones an error left behind. */
export class Processes {
  readonly #live = new Set<ChildProcess>();

  add(child: ChildProcess): void {
    this.#live.add(child);
    child.once('exit', () => this.#live.delete(child));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#live].map((c) => stopProcess(c)));
  }
}

export interface Server {
  readonly api: Api;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A `tminus server` on `dataDir` (SQLite); the bootstrap key is stored on the first start and reused after. */
export async function startServer(
  procs: Processes,
  dataDir: string,
  apiKey: string,
): Promise<Server> {
  const { child, api } = await startTminusServer(dataDir, apiKey);
  procs.add(child);
  if (child.pid === undefined) throw new Error('tminus server has no pid');
  return { api, pid: child.pid, stop: () => stopProcess(child) };
}

/**
 * RSS once it has stopped moving: sampled every 250 ms for at least `minMs`, until two samples in a
 * row are within 1 MB (or `maxMs` pass). Allocation after a burst (GC, SQLite's page cache) lags.
 */
export async function settledRssMb(pid: number, minMs = 1_000, maxMs = 10_000): Promise<number> {
  const start = performance.now();
  let last = rssMb(pid);
  for (;;) {
    await sleep(250);
    const now = rssMb(pid);
    const elapsed = performance.now() - start;
    if ((elapsed >= minMs && Math.abs(now - last) < 1) || elapsed >= maxMs) return now;
    last = now;
  }
}

/** CPU seconds (user + system) a process has used so far; null where /proc or getconf is missing. */
export function cpuSeconds(pid: number): number | null {
  const ticks = clockTicks();
  return ticks === null ? null : (processCpu(pid, ticks)?.self ?? null);
}

/** CPU ms a process used since `before` (from `cpuSeconds`), per `count` things done meanwhile. */
export function cpuMsSince(pid: number, before: number | null, count: number): number | null {
  const after = cpuSeconds(pid);
  return before === null || after === null ? null : round(((after - before) * 1000) / count, 2);
}
