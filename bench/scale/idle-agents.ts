/**
 * Part 2 of the scale bench: server RSS with 1,000 idle agents, each holding a claim long-poll open,
 * and dispatch to them (`launchAdd` → a poll holds the lease) against a server where one agent waits.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchAdd } from '@tminus/sdk';

import { benchApiKey } from '../server.js';
import { percentile, round } from '../stats.js';
import { type LeaseInbox, leaseInbox, openPolls, pollsRegistered } from './claim-polls.js';
import { registerAgents } from './fake-agents.js';
import { type Loops, within } from './loops.js';
import { createQueueAndJob, QUEUE } from './queues.js';
import type { ScaleResult } from './result.js';
import {
  cpuMsSince,
  cpuSeconds,
  type Processes,
  type Server,
  settledRssMb,
  startServer,
} from './servers.js';
import { kbPer, mb, ms } from './units.js';

const IDLE_AGENTS = 1_000;

/**
 * One dispatch to whichever poll is waiting: ms from `launchAdd` called to that poll holding the
 * lease. The item is then failed (never retried), so that no lease expires and comes back later.
 */
async function dispatchOnce(server: Server, job: string, inbox: LeaseInbox): Promise<number> {
  const leased = inbox.next();
  const start = performance.now();
  const queued = await launchAdd({ api: server.api, job, queueName: QUEUE });
  const lease = await within(leased, 10_000, `dispatch of ${queued.id}`);
  const elapsed = ms(start);
  if (lease.item.id !== queued.id)
    throw new Error(`expected a lease on ${queued.id}, got ${lease.item.id}`);
  await server.api.request('failItem', {
    params: { id: lease.item.id },
    body: { fencingToken: lease.fencingToken, stage: 'agent', message: 'bench' },
  });
  // Let the other waiters' wake-up (each re-checks, finds nothing, waits again) finish before the next one.
  await sleep(50);
  return elapsed;
}

/**
 * Two servers: "crowd" gets the 1,000 agents (its RSS is measured), "solo" one agent. Dispatch is
 * measured on both in turn, so that machine noise hits the baseline and the crowd alike.
 */
export async function measureIdleAgents(
  procs: Processes,
  dir: string,
  samples: number,
): Promise<ScaleResult['idle_agents']> {
  const apiKey = benchApiKey();
  const [crowd, solo] = await Promise.all([
    startServer(procs, join(dir, 'crowd'), apiKey),
    startServer(procs, join(dir, 'solo'), apiKey),
  ]);
  const polls: Loops[] = [];
  try {
    const [crowdJob, soloJob] = await Promise.all([
      createQueueAndJob(crowd.api),
      createQueueAndJob(solo.api),
    ]);
    const [warmAgent, ...agents] = await registerAgents(crowd.api, QUEUE, IDLE_AGENTS + 1, 1);
    const [soloAgent] = await registerAgents(solo.api, QUEUE, 1, 1);
    const crowdInbox = leaseInbox();
    const soloInbox = leaseInbox();
    const dispatchBoth = async () =>
      [
        await dispatchOnce(solo, soloJob, soloInbox),
        await dispatchOnce(crowd, crowdJob, crowdInbox),
      ] as const;

    // Warm-up of both servers' dispatch path, with one waiting agent each.
    polls.push(openPolls(solo.api, [soloAgent!], soloInbox.deliver));
    const warm = openPolls(crowd.api, [warmAgent!], crowdInbox.deliver);
    polls.push(warm);
    for (let i = 0; i < 10; i++) await dispatchBoth();
    await warm.stop();

    const rssIdle = await settledRssMb(crowd.pid);
    const since = Date.now();
    const opened = performance.now();
    const crowdPolls = openPolls(crowd.api, agents, crowdInbox.deliver);
    polls.push(crowdPolls);
    await pollsRegistered(crowd.api, agents, crowdPolls, since);
    const openS = ms(opened) / 1000;
    const rssAgents = await settledRssMb(crowd.pid, 3_000);
    crowdPolls.check();

    const soloCpu = cpuSeconds(solo.pid);
    const crowdCpu = cpuSeconds(crowd.pid);
    const single: number[] = [];
    const many: number[] = [];
    for (let i = 0; i < samples; i++) {
      const [one, all] = await dispatchBoth();
      single.push(one);
      many.push(all);
    }

    return {
      agents: IDLE_AGENTS,
      rss_idle_mb: mb(rssIdle),
      rss_1000_agents_mb: mb(rssAgents),
      per_agent_kb: kbPer(rssAgents - rssIdle, IDLE_AGENTS),
      dispatch_samples: samples,
      dispatch_1_agent_p50_ms: round(percentile(single, 50)),
      dispatch_1_agent_p99_ms: round(percentile(single, 99)),
      dispatch_1000_agents_p50_ms: round(percentile(many, 50)),
      dispatch_1000_agents_p99_ms: round(percentile(many, 99)),
      server_cpu_ms_per_dispatch_1_agent: cpuMsSince(solo.pid, soloCpu, samples),
      server_cpu_ms_per_dispatch_1000_agents: cpuMsSince(crowd.pid, crowdCpu, samples),
      polls_open_s: round(openS),
    };
  } finally {
    // The servers first: closing them ends every open poll at once (their loops then see the abort).
    await Promise.all([crowd.stop(), solo.stop()]);
    await Promise.all(polls.map((p) => p.stop()));
  }
}
