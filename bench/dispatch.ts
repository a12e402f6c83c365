/**
 * Dispatch latency (launchAdd resolved → the program's first timestamp) and notification latency
 * (the program's last timestamp → waitUntilFinished resolved), against spawning the same program
 * bare from Node, with a real server process and a real agent process.
 */
import { join } from 'node:path';

import { type Api, launchAdd } from '@tminus/sdk';

import { codeJob } from './code-job.js';
import { bareSpawnLatencyMs } from './processes.js';
import { percentile, round, wallNs } from './stats.js';

export const PROGRAMS = {
  python: [
    '/usr/bin/python3',
    '-S',
    '-c',
    'import time;print(time.time_ns(),flush=True);print(time.time_ns(),flush=True)',
  ],
  date: ['/bin/date', '+%s%N'],
} as const;

async function launchOnce(api: Api, job: string, queue: string) {
  const queued = await launchAdd({ api, job, queueName: queue });
  const enqueued = wallNs();
  const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
  const resolved = wallNs();
  if (run.state !== 'finished')
    throw new Error(`bench run ${run.id} ${run.state}: ${run.failure?.message ?? ''}`);
  const lines = (await api.request('getLogs', { params: { id: run.id } })).lines
    .filter((l) => l.stream === 'stdout')
    .map((l) => Number(l.text));
  return { dispatchMs: (lines[0]! - enqueued) / 1e6, notifyMs: (resolved - lines.at(-1)!) / 1e6 };
}

export interface DispatchResult {
  program: string;
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  spawn_p50_ms: number;
  spawn_p99_ms: number;
  ratio_p50: number;
  ratio_p99: number;
  overhead_p50_ms: number;
  overhead_p99_ms: number;
  notify_p50_ms: number | null;
  notify_p99_ms: number | null;
  cold_p50_ms: number;
}

export async function measureDispatch(
  api: Api,
  scratch: string,
  queue: string,
  program: keyof typeof PROGRAMS,
  samples: number,
  coldSamples: number,
): Promise<DispatchResult> {
  const argv = PROGRAMS[program];
  const warm = await codeJob(api, join(scratch, program), `dispatch-${program}`, argv, {
    'salt.txt': 'warm',
  });
  await launchOnce(api, warm, queue); // fills the agent's cache
  const spawn: number[] = [];
  const dispatch: number[] = [];
  const notify: number[] = [];
  // Interleave baseline and measured runs so machine noise hits both alike.
  for (let i = 0; i < samples; i++) {
    spawn.push(await bareSpawnLatencyMs(argv));
    const r = await launchOnce(api, warm, queue);
    dispatch.push(r.dispatchMs);
    notify.push(r.notifyMs);
  }
  const cold: number[] = [];
  for (let i = 0; i < coldSamples; i++) {
    const fresh = await codeJob(
      api,
      join(scratch, `${program}-cold`),
      `dispatch-${program}-cold`,
      argv,
      { 'salt.txt': `cold-${i}-${Date.now()}` },
    );
    cold.push((await launchOnce(api, fresh, queue)).dispatchMs);
  }
  const p = (xs: number[], q: number) => round(percentile(xs, q));
  const spawn50 = percentile(spawn, 50);
  const spawn99 = percentile(spawn, 99);
  return {
    program: argv.join(' ').slice(0, 40),
    samples,
    p50_ms: p(dispatch, 50),
    p95_ms: p(dispatch, 95),
    p99_ms: p(dispatch, 99),
    spawn_p50_ms: round(spawn50),
    spawn_p99_ms: round(spawn99),
    ratio_p50: round(percentile(dispatch, 50) / spawn50),
    ratio_p99: round(percentile(dispatch, 99) / spawn99),
    overhead_p50_ms: round(percentile(dispatch, 50) - spawn50),
    overhead_p99_ms: round(percentile(dispatch, 99) - spawn99),
    // `date` prints one timestamp only: its "end" is its start, so notification is measured on python.
    notify_p50_ms: program === 'python' ? p(notify, 50) : null,
    notify_p99_ms: program === 'python' ? p(notify, 99) : null,
    cold_p50_ms: p(cold, 50),
  };
}
