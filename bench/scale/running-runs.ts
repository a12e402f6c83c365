/**
 * Part 3 of the scale bench: server RSS per running run. Runs seeded pending, claimed, acknowledged
 * and reported `running` by 50 fake agents that keep heartbeating them; optionally one
 * `waitForRunEnd` long-poll open per run on top.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { type Api, launchAdd, waitForRunEnd } from '@tminus/sdk';

import { mapPool } from '../pool.js';
import { benchApiKey } from '../server.js';
import { percentile, round } from '../stats.js';
import { type OwnedRun, registerAgents, startOneRun } from './fake-agents.js';
import { type Heartbeats, HEARTBEAT_MS, startHeartbeats } from './heartbeats.js';
import { backgroundLoops, type Loops } from './loops.js';
import { QUEUE, WARM_QUEUE } from './queues.js';
import type { ScaleResult, WaitersResult } from './result.js';
import { dbSizeMb, prepareDataDir, seedPending } from './seed-queue.js';
import { type Processes, settledRssMb, startServer } from './servers.js';
import { kbPer, mb, ms } from './units.js';

const RUN_AGENTS = 50;

/** Waiters are opened this many at a time, 100 ms apart: 10,000 connects at once overflow the listen backlog. */
const WAITER_WAVE = 1_000;

/** One `waitForRunEnd` per run: what `QueuedRun.waitUntilFinished` holds open. */
function openRunWaiters(api: Api, runIds: readonly string[]): Loops {
  return backgroundLoops(runIds.length, async (i, signal) => {
    await sleep(Math.floor(i / WAITER_WAVE) * 100);
    await waitForRunEnd(api, runIds[i]!, { signal });
    throw new Error(`run ${runIds[i]} ended while the bench held it running`);
  });
}

export async function measureRunningRuns(
  procs: Processes,
  dataDir: string,
  runs: number,
  withWaiters: boolean,
): Promise<ScaleResult['running_runs']> {
  const apiKey = benchApiKey();
  const { templateId } = await prepareDataDir(procs, dataDir, apiKey);
  seedPending(dataDir, templateId, runs);
  const server = await startServer(procs, dataDir, apiKey);
  let heartbeats: Heartbeats | undefined;
  let waiters: Loops | undefined;
  try {
    const { api } = server;
    await warmUpLifecycles(api);
    const agentIds = await registerAgents(api, QUEUE, RUN_AGENTS, -1);
    const runsOf: OwnedRun[][] = agentIds.map(() => []);
    heartbeats = startHeartbeats(api, agentIds, runsOf);
    const rssBefore = await settledRssMb(server.pid);

    const started = performance.now();
    let next = 0;
    await mapPool(RUN_AGENTS, RUN_AGENTS, async (a) => {
      for (;;) {
        const owned = await startOneRun(
          api,
          agentIds[a]!,
          `s${(next++).toString(36).padStart(7, '0')}`,
        );
        if (owned === null) return;
        runsOf[a]!.push(owned);
      }
    });
    const startAllS = ms(started) / 1000;
    const total = runsOf.reduce((n, r) => n + r.length, 0);
    if (total !== runs) throw new Error(`started ${total} runs, expected ${runs}`);
    // Every agent has sent its full list of runs (and its leases were extended) at least once.
    heartbeats.record();
    await heartbeats.fullRound();
    const rssAfter = await settledRssMb(server.pid);

    let waitersResult: WaitersResult | { skipped: string } = { skipped: 'full mode only' };
    if (withWaiters) {
      waiters = openRunWaiters(
        api,
        runsOf.flat().map((r) => r.runId),
      );
      await sleep(Math.ceil(runs / WAITER_WAVE) * 100);
      const rss = await settledRssMb(server.pid, 3_000);
      waiters.check();
      waitersResult = {
        waiters: runs,
        rss_mb: mb(rss),
        per_waiter_kb: kbPer(rss - rssAfter, runs),
      };
    }

    return {
      runs,
      agents: RUN_AGENTS,
      heartbeat_ms: HEARTBEAT_MS,
      start_all_s: round(startAllS),
      rss_before_mb: mb(rssBefore),
      rss_after_mb: mb(rssAfter),
      per_run_kb: kbPer(rssAfter - rssBefore, runs),
      lost_leases: heartbeats.stats.lost,
      heartbeat_p50_ms: round(percentile(heartbeats.stats.roundTripsMs, 50)),
      db_size_mb: mb(dbSizeMb(dataDir)),
      with_waiters: waitersResult,
    };
  } finally {
    heartbeats?.stop();
    await server.stop();
    await waiters?.stop();
  }
}

/** A hundred full lifecycles on another queue, so that "before" is a server whose hot paths are compiled. */
async function warmUpLifecycles(api: Api): Promise<void> {
  const job = (await api.request('resolveJob', { query: { ref: 'bench/bench/noop:latest' } })).ref;
  await mapPool(100, 8, () => launchAdd({ api, job, queueName: WARM_QUEUE }));
  const [agentId] = await registerAgents(api, WARM_QUEUE, 1, -1);
  for (let i = 0; ; i++) {
    const owned = await startOneRun(api, agentId!, `w${i.toString(36).padStart(7, '0')}`);
    if (owned === null) return;
    await api.request('heartbeat', {
      params: { id: agentId! },
      body: { status: 'running', runs: [owned] },
    });
    await api.request('updateRunStatus', {
      params: { id: owned.runId },
      body: { fencingToken: owned.fencingToken, state: 'finished', exitCode: 0 },
    });
  }
}
