/**
 * The targets of the benchmark issue, checked against a result: each says what was measured, the
 * bound, and whether it was met (`null` when that part did not run). Printed, and kept in the JSON so
 * that a regression shows as a target turning false.
 */
import type { DispatchResult } from './dispatch.js';
import type { EndToEndResult } from './end-to-end.js';
import type { GitVsCodeResult } from './git-vs-code.js';
import type { ScaleResult } from './scale.js';
import type { SlurmDispatchResult } from './slurm.js';
import type { ContainerDispatchResult } from './container.js';
import type { ThroughputResult } from './throughput.js';

export interface TargetCheck {
  readonly name: string;
  readonly measured: number | null;
  readonly unit: string;
  readonly bound: string;
  readonly met: boolean | null;
}

interface Measured {
  readonly dispatch: { by_program: Record<string, DispatchResult> };
  readonly throughput: {
    sqlite: ThroughputResult;
    postgres:
      (ThroughputResult & { baseline_commits_per_s_8_clients: number }) | { skipped: string };
  };
  readonly scale: ScaleResult | { skipped: string };
  readonly end_to_end: EndToEndResult | { skipped: string };
  readonly git_vs_code: GitVsCodeResult | { skipped: string };
  readonly slurm: SlurmDispatchResult | { skipped: string };
  readonly container: ContainerDispatchResult | { skipped: string };
}

const ran = <T extends object>(part: T | { skipped: string }): T | undefined =>
  'skipped' in part ? undefined : part;

function atMost(
  name: string,
  measured: number | undefined,
  bound: number,
  unit: string,
): TargetCheck {
  return {
    name,
    measured: measured ?? null,
    unit,
    bound: `≤ ${bound}`,
    met: measured === undefined ? null : measured <= bound,
  };
}

function atLeast(
  name: string,
  measured: number | undefined,
  bound: number,
  unit: string,
): TargetCheck {
  return {
    name,
    measured: measured ?? null,
    unit,
    bound: `≥ ${bound.toLocaleString('en')}`,
    met: measured === undefined ? null : measured >= bound,
  };
}

export function targetsOf(r: Measured): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const [program, d] of Object.entries(r.dispatch.by_program)) {
    checks.push(
      atMost(`dispatch ${program}: p50 / bare spawn p50`, d.ratio_p50, 3, '×'),
      atMost(`dispatch ${program}: p99 / bare spawn p99`, d.ratio_p99, 10, '×'),
      atMost(`dispatch ${program}: overhead p50`, d.overhead_p50_ms, 25, 'ms'),
      atMost(`dispatch ${program}: overhead p99`, d.overhead_p99_ms, 100, 'ms'),
    );
  }
  const sqlite = r.throughput.sqlite;
  checks.push(
    atLeast('SQLite: single enqueues/s (16 clients)', sqlite.enqueue_per_s_16_clients, 5_000, '/s'),
    atLeast('SQLite: batched enqueues/s', sqlite.enqueue_batched_per_s, 50_000, '/s'),
    atLeast(
      'SQLite: lifecycles/s (best agent count)',
      Math.max(...Object.values(sqlite.lifecycles_per_s)),
      2_000,
      '/s',
    ),
  );
  const pg = ran(r.throughput.postgres);
  checks.push(
    atLeast('PostgreSQL: lifecycles/s, 8 agents', pg?.lifecycles_per_s['8'], 3_000, '/s'),
  );
  const pgLifecycles = pg?.lifecycles_per_s['8'];
  checks.push({
    name: 'PostgreSQL: lifecycles/s, 8 agents ÷ (raw commits/s ÷ 2, the bound two durable commits per lifecycle set)',
    measured:
      pg === undefined || pgLifecycles === undefined
        ? null
        : Math.round((100 * pgLifecycles) / (pg.baseline_commits_per_s_8_clients / 2)) / 100,
    unit: '×',
    bound: 'reported',
    met: null,
  });
  for (const [label, t] of [
    ['SQLite', sqlite],
    ['PostgreSQL', pg],
  ] as const) {
    if (t === undefined) continue;
    const [agents, rate] = Object.entries(t.lifecycles_per_s).sort((a, b) => b[1] - a[1])[0] ?? [];
    const ceiling = agents === undefined ? null : t.lifecycle_cpu[agents]?.ceiling_per_s;
    checks.push({
      name: `${label}: best lifecycles/s (${agents ?? '?'} agents) ÷ the rate at which their CPU per lifecycle (server, database, agents) fills every core`,
      measured:
        rate === undefined || ceiling === undefined || ceiling === null
          ? null
          : Math.round((100 * rate) / ceiling) / 100,
      unit: '×',
      bound: 'reported',
      met: null,
    });
  }
  const scale = ran(r.scale);
  checks.push(
    atMost('claim p50 at the deepest queue / at 1,000 pending', scale?.claim_growth_ratio, 2, '×'),
    atMost(
      'server RSS with 1,000 idle agents long-polling',
      scale?.idle_agents.rss_1000_agents_mb,
      300,
      'MB',
    ),
    atMost(
      `server memory per running run (${(scale?.running_runs.runs ?? 10_000).toLocaleString('en')} running)`,
      scale?.running_runs.per_run_kb,
      100,
      'KB',
    ),
  );
  const e2e = ran(r.end_to_end);
  // No bound in the issue: reported against the shell loop, never judged.
  checks.push({
    name: 'end to end: tminus wall / shell loop wall',
    measured: e2e?.ratio ?? null,
    unit: '×',
    bound: 'reported',
    met: null,
  });
  checks.push(
    atMost(
      'git job: agent CPU per run (program included) / the same program as a code job',
      ran(r.git_vs_code)?.cpu_ratio,
      1.2,
      '×',
    ),
  );
  checks.push(
    atMost(
      'Slurm: launchAdd → program started, p50 / bare sbatch --wrap p50',
      ran(r.slurm)?.ratio_p50,
      1.5,
      '×',
    ),
  );
  checks.push(
    atMost(
      'Container: launchAdd → program started, p50 / bare docker run p50',
      ran(r.container)?.ratio_p50,
      1.5,
      '×',
    ),
  );
  return checks;
}
