/**
 * `npm run bench [-- --quick]`: dispatch and notification latency against a bare spawn, and queue
 * throughput, on this machine. Prints a table and writes bench/results/latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Api } from '@tminus/sdk';

import { type DispatchResult, measureDispatch } from './dispatch.js';
import { startTminus } from './processes.js';
import { enqueueRate, lifecycleRate } from './throughput.js';

const quick = process.argv.includes('--quick');
const sizes = quick
  ? { dispatch: 40, cold: 3, enqueue: 1_000, lifecycle: 500 }
  : { dispatch: 250, cold: 10, enqueue: 10_000, lifecycle: 5_000 };

const scratch = mkdtempSync(join(tmpdir(), 'tminus-bench-'));
const apiKey = `tmk_bench_${randomBytes(8).toString('hex')}`;
const env = { TMINUS_BOOTSTRAP_API_KEY: apiKey, TMINUS_ENTITY: 'bench' };
const server = await startTminus(['server', '--port', '0', '--data-dir', join(scratch, 'data')], env, /listening on (http:\/\/\S+)/);
const baseUrl = server.match[1]!;
const api = new Api({ baseUrl, apiKey });
await api.request('createQueue', { body: { name: 'dispatch' } });
const agent = await startTminus(['agent', '-q', 'dispatch', '--max-jobs', '1'], { TMINUS_BASE_URL: baseUrl, TMINUS_API_KEY: apiKey, TMINUS_DATA_DIR: join(scratch, 'agent') }, /polling on queues/);

try {
  const dispatch: Record<string, DispatchResult> = {};
  for (const program of ['date', 'python'] as const) {
    process.stderr.write(`dispatch latency: ${program} × ${sizes.dispatch}…\n`);
    dispatch[program] = await measureDispatch(api, scratch, 'dispatch', program, sizes.dispatch, sizes.cold);
  }
  agent.child.kill('SIGTERM');
  process.stderr.write('throughput…\n');
  await api.request('createJob', { body: { project: 'bench', name: 'noop', source: { type: 'image', image: 'noop:1' } } });
  const throughput: Record<string, number | string> = {};
  await api.request('createQueue', { body: { name: 'enq' } });
  throughput.sqlite_enqueue_per_s_1_client = await enqueueRate(api, 'bench/bench/noop', 'enq', sizes.enqueue, 1);
  throughput.sqlite_enqueue_per_s_16_clients = await enqueueRate(api, 'bench/bench/noop', 'enq', sizes.enqueue, 16);
  throughput.sqlite_enqueue_batched_per_s = 'n/a: no batch enqueue endpoint yet';
  for (const agents of [1, 4, 16]) {
    const queue = `life${agents}`;
    await api.request('createQueue', { body: { name: queue } });
    await enqueueRate(api, 'bench/bench/noop', queue, sizes.lifecycle, 16);
    throughput[`sqlite_lifecycles_per_s_${agents}_agents`] = await lifecycleRate(api, queue, sizes.lifecycle, agents);
  }
  const python = dispatch.python!;
  const result = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    dispatch: { ...python, by_program: dispatch },
    notification: { p50_ms: python.notify_p50_ms, p99_ms: python.notify_p99_ms },
    throughput,
    scale: { status: 'not measured yet' },
  };
  const out = fileURLToPath(new URL('../results/latest.json', import.meta.url));
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\ntminus bench (${result.mode}) — ${result.machine.cores} cores, ${result.machine.memory_gb} GiB, Node ${result.machine.node}\n`);
  console.log('dispatch (launchAdd → process started), ms   p50     p95     p99   | bare spawn p50/p99 | ratio p50/p99 | overhead p50/p99 | cold p50');
  for (const [name, d] of Object.entries(dispatch)) {
    console.log(`  ${name.padEnd(42)} ${String(d.p50_ms).padStart(6)}  ${String(d.p95_ms).padStart(6)}  ${String(d.p99_ms).padStart(6)}  | ${d.spawn_p50_ms} / ${d.spawn_p99_ms} | ${d.ratio_p50}× / ${d.ratio_p99}× | ${d.overhead_p50_ms} / ${d.overhead_p99_ms} | ${d.cold_p50_ms}`);
  }
  console.log(`notification (process exit → waitUntilFinished), ms: p50 ${python.notify_p50_ms}, p99 ${python.notify_p99_ms}`);
  for (const [k, v] of Object.entries(throughput)) console.log(`  ${k}: ${v}`);
  console.log(`\nwritten to ${out}`);
} finally {
  agent.child.kill('SIGTERM');
  server.child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
