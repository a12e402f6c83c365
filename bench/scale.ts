/**
 * Scale on SQLite, against real `tminus server` processes (no agent processes, no programs run):
 *
 * 1. Claim latency against queue depth: one `claim` call (`waitMs: 0`, an item is always there) with
 *    1,000, 100,000 and 1,000,000 pending items (quick: 1,000 and 100,000). Seeding that many through
 *    HTTP would take minutes, so each queue is filled in the database file before its server starts:
 *    one item is enqueued through HTTP (`launchAdd`), and its row is copied with fresh ids and
 *    idempotency keys in large transactions, exactly the columns `store.enqueue` writes. One server
 *    per depth, all up at once, claimed from in turn.
 * 2. Server RSS with 1,000 idle agents, each holding a `claim` long-poll open (re-issued when it
 *    returns, as the real agent does), and dispatch to them: `launchAdd` → a poll holds the lease,
 *    with all 1,000 waiting on the queue, against a second server where one agent waits.
 * 3. Server RSS per running run: 10,000 runs (quick: 5,000) claimed, acknowledged and reported
 *    `running` by 50 fake agents that keep heartbeating them; then (full mode) the same with one
 *    `waitForRunEnd` long-poll open per run.
 *
 * RSS is VmRSS from /proc/<pid>/status (Linux only), read once it has stopped moving. Timing and
 * memory are reported, never asserted.
 *
 * The parts live in scale/: claim-depth.ts, idle-agents.ts, running-runs.ts (and what they share).
 *
 * Standalone: `npm run build && npx tsc -p bench && node bench/dist/scale.js [--quick]`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { measureClaimLatency } from './scale/claim-depth.js';
import { measureIdleAgents } from './scale/idle-agents.js';
import type { ScaleResult } from './scale/result.js';
import { measureRunningRuns } from './scale/running-runs.js';
import { Processes } from './scale/servers.js';
import { isMain, printStandalone } from './standalone.js';
import { round } from './stats.js';

export type { ClaimAtDepth, ScaleResult, WaitersResult } from './scale/result.js';

export interface ScaleOptions {
  readonly quick: boolean;
  /** A directory this may write into (created if missing; what this creates in it is removed). */
  readonly scratch: string;
}

/** Quick stays near 30 s: half the runs, and no waiters (opening and settling 10,000 polls costs ~8 s). */
const SIZES = {
  quick: {
    depths: [1_000, 100_000],
    claims: 300,
    warmup: 50,
    dispatch: 20,
    runs: 5_000,
    waiters: false,
  },
  full: {
    depths: [1_000, 100_000, 1_000_000],
    claims: 300,
    warmup: 100,
    dispatch: 50,
    runs: 10_000,
    waiters: true,
  },
} as const;

export async function measureScale(options: ScaleOptions): Promise<ScaleResult> {
  const sizes = options.quick ? SIZES.quick : SIZES.full;
  if (!existsSync('/proc/self/status'))
    throw new Error('the scale bench reads server memory from /proc/<pid>/status (Linux only)');
  mkdirSync(options.scratch, { recursive: true });
  const scratch = mkdtempSync(join(options.scratch, 'scale-'));
  const procs = new Processes();
  const started = performance.now();
  try {
    const claimLatency = await measureClaimLatency(procs, join(scratch, 'depth'), sizes);
    const idleAgents = await measureIdleAgents(procs, join(scratch, 'agents'), sizes.dispatch);
    const runningRuns = await measureRunningRuns(
      procs,
      join(scratch, 'runs'),
      sizes.runs,
      sizes.waiters,
    );
    return {
      mode: options.quick ? 'quick' : 'full',
      claim_growth_ratio: claimLatency.growth_ratio_p50,
      claim_latency: claimLatency,
      idle_agents: idleAgents,
      running_runs: runningRuns,
      total_s: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    await procs.stopAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await printStandalone('tminus-scale-', measureScale);
