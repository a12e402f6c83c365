/**
 * Keeps the benchmark harness working: `npm run bench -- --smoke` in-process, a few iterations of
 * dispatch and throughput against real server and agent processes. It asserts that every figure was
 * measured (a number, in a plausible unit), never how fast: timing is the benchmark's job, not a test's.
 */
import { describe, expect, it } from 'vitest';

import { runBench } from '../../bench/run.js';

describe('benchmark harness (smoke mode)', () => {
  it(
    'measures dispatch against a bare spawn, throughput and Python metrics, and writes every field of the result',
    { timeout: 120_000 },
    async () => {
      const result = await runBench('smoke');
      expect(result.mode).toBe('smoke');
      expect(result.machine.cores).toBeGreaterThan(0);
      for (const program of ['date', 'python']) {
        const d = result.dispatch.by_program[program]!;
        expect(d.samples).toBe(3);
        // Started after the launch, and after at least the bare spawn's own start-up.
        for (const ms of [d.p50_ms, d.p99_ms, d.spawn_p50_ms, d.cold_p50_ms])
          expect(ms).toBeGreaterThan(0);
        expect(d.ratio_p50).toBeCloseTo(d.p50_ms / d.spawn_p50_ms, 1);
      }
      expect(result.notification.p50_ms).toBeGreaterThan(0);
      const sqlite = result.throughput.sqlite;
      for (const rate of [
        sqlite.enqueue_per_s_1_client,
        sqlite.enqueue_per_s_16_clients,
        sqlite.enqueue_batched_per_s,
        ...Object.values(sqlite.lifecycles_per_s),
      ]) {
        expect(rate).toBeGreaterThan(0);
      }
      expect(Object.keys(sqlite.lifecycles_per_s)).toEqual(['1', '4']);
      // CPU per lifecycle: the server's and the fake agents' measured; SQLite has no database process.
      const sqliteCpu = sqlite.lifecycle_cpu['4']!;
      expect(sqliteCpu.server_ms).toBeGreaterThan(0);
      expect(sqliteCpu.database_ms).toBeNull();
      expect(sqliteCpu.total_ms).toBeCloseTo(sqliteCpu.server_ms! + sqliteCpu.agents_ms, 2);
      const pg = result.throughput.postgres;
      if ('skipped' in pg) expect(pg.skipped).toMatch(/no PostgreSQL/);
      else {
        expect(pg.lifecycles_per_s['4']).toBeGreaterThan(0);
        expect(pg.lifecycle_cpu['4']!.database_ms).toBeGreaterThan(0);
      }
      // Python logging with tminus.log, run by a real agent: measured, everything stored, the cap held.
      const m = result.metrics;
      expect(m.points).toBe(2_000);
      for (const us of [m.per_log_us, m.baseline_per_call_us, m.capped.per_log_us])
        expect(us).toBeGreaterThan(0);
      expect(m.delivered_ms).toBeGreaterThanOrEqual(0);
      expect(m.stored_points).toBe(2_000);
      expect(m.capped).toMatchObject({ limit: 400, stored_values: 400, truncated: true });
      expect(result.targets).toEqual([]); // smoke sizes say nothing about speed
    },
  );
});
