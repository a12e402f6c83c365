/**
 * @module The PostgreSQL adapter's run metrics: points appended within the run's limit together with
 * its summary, in one transaction that locks the run's row (appends of one run are serialised);
 * pages of points read back in order.
 */
import { isTerminalRunState, type RunState } from '@tminus/sdk/protocol';
import type pg from 'pg';

import { runEnded, runNotFound } from '../errors.js';
import { fitPoints, mergeSummary } from '../metric-budget.js';
import { type MetricPointRow, toMetricPoint } from '../rows.js';
import type { MetricsPort } from '../store.js';
import { jsonText } from '../run-patch.js';
import type { Queries } from './pg-queries.js';

export interface MetricsDeps {
  readonly pool: pg.Pool;
  readonly queries: Queries;
  readonly tx: <T>(work: (c: pg.PoolClient) => Promise<T>) => Promise<T>;
}

export function postgresMetrics({ pool, queries, tx }: MetricsDeps): MetricsPort {
  const { rows, one, exec } = queries;
  return {
    appendMetrics: (runId, points, summary, limit) =>
      tx(async (c) => {
        const owner = await one<{ state: RunState; metric_values: number; summary: string }>(
          c,
          `SELECT state, metric_values, summary FROM runs WHERE id = $1 FOR UPDATE`,
          [runId],
        );
        if (owner === undefined) throw runNotFound(runId);
        if (isTerminalRunState(owner.state)) throw runEnded(runId, owner.state);
        const { keep, used, truncated } = fitPoints(owner.metric_values, points, limit);
        const start =
          (await one<{ n: number | null }>(
            c,
            `SELECT max(seq) AS n FROM run_metrics WHERE run_id = $1`,
            [runId],
          ))!.n ?? -1;
        if (keep.length > 0) {
          await exec(
            c,
            `INSERT INTO run_metrics (run_id, seq, step, ts, data)
             SELECT $1, $2::bigint + n, step, ts, data
             FROM unnest($3::bigint[], $4::bigint[], $5::text[])
               WITH ORDINALITY AS x(step, ts, data, n)`,
            [
              runId,
              start,
              keep.map((p) => p.step),
              keep.map((p) => p.ts),
              keep.map((p) => JSON.stringify(p.values)),
            ],
          );
        }
        const merged =
          summary === undefined
            ? null
            : jsonText(
                mergeSummary(
                  JSON.parse(owner.summary) as Record<string, unknown>,
                  summary,
                  limit.maxSummaryKeys,
                ),
              );
        if (used !== owner.metric_values || merged !== null) {
          await exec(
            c,
            `UPDATE runs SET metric_values = $1, summary = coalesce($2, summary) WHERE id = $3`,
            [used, merged, runId],
          );
        }
        return { accepted: keep.length, next: start + 1 + keep.length, truncated };
      }),
    async readMetrics(runId, after, limit) {
      const [points, owner] = await Promise.all([
        rows<MetricPointRow>(
          pool,
          `SELECT seq, step, ts, data FROM run_metrics WHERE run_id = $1 AND seq > $2
           ORDER BY seq LIMIT $3`,
          [runId, after, limit],
        ),
        one<{ metric_values: number }>(pool, `SELECT metric_values FROM runs WHERE id = $1`, [
          runId,
        ]),
      ]);
      return { points: points.map(toMetricPoint), used: owner?.metric_values ?? 0 };
    },
  };
}
