/**
 * The printed table of a benchmark result: what was measured, against which baseline, and each
 * target of the issue with ✓ / ✗.
 */
import type { BenchResult } from './run.js';
import type { ThroughputResult } from './throughput.js';

const n = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value.toLocaleString('en');

function throughputLines(label: string, t: ThroughputResult | { skipped: string }): string[] {
  if ('skipped' in t) return [`  ${label}: skipped (${t.skipped})`];
  const lifecycles = Object.entries(t.lifecycles_per_s).map(
    ([agents, rate]) => `${n(rate)} (${agents} agent${agents === '1' ? '' : 's'})`,
  );
  return [
    `  ${label}: enqueues/s ${n(t.enqueue_per_s_1_client)} (1 client), ${n(t.enqueue_per_s_16_clients)} (16 clients), batched ` +
      t.batched
        .map((b) => `${n(b.per_s)} (${n(b.size)} per request, ${b.clients} in flight)`)
        .join(', ') +
      (t.repeat > 1 ? `   [each the median of ${t.repeat} runs]` : ''),
    `  ${label}: lifecycles/s (claim → ack → finished) ${lifecycles.join(', ')}`,
    `  ${label}: CPU ms per lifecycle, server / database / agents = total → ceiling of this machine: ` +
      Object.entries(t.lifecycle_cpu)
        .map(
          ([agents, c]) =>
            `${c.server_ms ?? '—'} / ${c.database_ms ?? '—'} / ${c.agents_ms} = ${c.total_ms ?? '—'} → ${n(c.ceiling_per_s)}/s (${agents})`,
        )
        .join(', '),
    ...('baseline_commits_per_s_8_clients' in t
      ? [
          `  ${label}: baseline, raw single-row INSERT commits/s with 8 connections: ${n(t.baseline_commits_per_s_8_clients as number)} (a lifecycle needs two)`,
        ]
      : []),
  ];
}

export function printReport(r: BenchResult): void {
  const lines = [
    `tminus bench (${r.mode}) — ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memory_gb} GiB, Node ${r.machine.node}, ${r.date}`,
    '',
    'dispatch: launchAdd resolved → program started, ms     p50     p95     p99 | bare spawn p50 / p99 | ratio p50 / p99 | overhead p50 / p99 | cold p50',
  ];
  for (const [name, d] of Object.entries(r.dispatch.by_program)) {
    lines.push(
      `  ${d.program.padEnd(50)} ${String(d.p50_ms).padStart(6)}  ${String(d.p95_ms).padStart(6)}  ${String(d.p99_ms).padStart(6)} | ` +
        `${d.spawn_p50_ms} / ${d.spawn_p99_ms} | ${d.ratio_p50}× / ${d.ratio_p99}× | ${d.overhead_p50_ms} / ${d.overhead_p99_ms} | ${d.cold_p50_ms}   (${name}, ${d.samples} runs)`,
    );
  }
  lines.push(
    `notification: program exit → waitUntilFinished resolved: p50 ${n(r.notification.p50_ms)} ms, p99 ${n(r.notification.p99_ms)} ms`,
    '',
  );
  lines.push(
    'throughput (no process spawned):',
    ...throughputLines('SQLite', r.throughput.sqlite),
    ...throughputLines('PostgreSQL', r.throughput.postgres),
    '',
  );
  lines.push(
    `scale: ${'skipped' in r.scale ? `skipped (${r.scale.skipped})` : JSON.stringify(r.scale)}`,
  );
  const e = r.end_to_end;
  lines.push(
    'skipped' in e
      ? `end to end: skipped (${e.skipped})`
      : `end to end: ${n(e.runs)} runs of ${e.program}, ${e.agents} agents × ${e.max_jobs} jobs: tminus ${e.tminus_wall_s} s vs shell loop ${e.shell_wall_s} s ` +
          `(xargs -P ${e.parallelism}) = ${e.ratio}×; ${e.overhead_per_run_ms} ms added per run slot`,
  );
  const g = r.git_vs_code;
  lines.push(
    'skipped' in g
      ? `git vs code runs: skipped (${g.skipped})`
      : `git vs code runs (${g.program}, ${g.agents} agents × ${g.max_jobs} jobs): code ${g.code.runs_per_s} runs/s, ${g.code.agent_cpu_ms_per_run} ms agent CPU a run; ` +
          `git ${g.git.runs_per_s} runs/s, ${g.git.agent_cpu_ms_per_run} ms = ${g.cpu_ratio}×`,
  );
  const m = r.metrics;
  lines.push(
    `run metrics: ${n(m.points)} points logged by ${m.program}: ${m.per_log_us} µs a call vs ${m.baseline_per_call_us} µs for a function that does nothing; ` +
      `all delivered ${m.delivered_ms} ms after the loop; ${n(m.stored_points)} stored, server CPU ${n(m.server_cpu_us_per_point)} µs a point, database +${m.db_growth_mb} MB; ` +
      `with --max-metrics-per-run ${n(m.capped.limit)}: ${n(m.capped.stored_values)} values kept${m.capped.truncated ? ' (the limit reached)' : ''}, ${m.capped.per_log_us} µs a call`,
    '',
  );
  const slurm = r.slurm;
  lines.push(
    'skipped' in slurm
      ? `Slurm: skipped (${slurm.skipped})`
      : `Slurm: launchAdd → ${slurm.program} started under Slurm p50 ${slurm.tminus_p50_ms} ms (p95 ${slurm.tminus_p95_ms}) vs bare sbatch --wrap p50 ${slurm.sbatch_p50_ms} ms (p95 ${slurm.sbatch_p95_ms}) = ${slurm.ratio_p50}×; ${slurm.overhead_p50_ms} ms added (${slurm.samples} each)`,
    '',
  );
  const container = r.container;
  lines.push(
    'skipped' in container
      ? `Container: skipped (${container.skipped})`
      : `Container: launchAdd → ${container.program} started in ${container.image} p50 ${container.tminus_p50_ms} ms (p95 ${container.tminus_p95_ms}) vs bare docker run p50 ${container.docker_run_p50_ms} ms (p95 ${container.docker_run_p95_ms}) = ${container.ratio_p50}×; ${container.overhead_p50_ms} ms added (${container.samples} each)`,
    '',
    'targets:',
  );
  for (const t of r.targets) {
    const mark = t.met === null ? ' ' : t.met ? '✓' : '✗';
    lines.push(`  ${mark} ${t.name}: ${n(t.measured)} ${t.unit} (target ${t.bound})`);
  }
  console.log(lines.join('\n'));
}
