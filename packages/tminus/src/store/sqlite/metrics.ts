/**
 * @module The SQLite adapter's run metrics: points appended within the run's limit together with its
 * summary, in one write; pages of points read back in order.
 */
import { isTerminalRunState, type RunState } from '@tminus/sdk/protocol';

import { runEnded, runNotFound } from '../errors.js';
import { fitPoints, mergeSummary } from '../metric-budget.js';
import { type MetricPointRow, toMetricPoint } from '../rows.js';
import type { MetricsPort } from '../store.js';
import type { Statements } from './statements.js';

export interface MetricsDeps {
  readonly sql: Statements;
  readonly write: <T>(fn: () => T) => Promise<T>;
  readonly read: <T>(fn: () => T) => Promise<T>;
}

export function sqliteMetrics({ sql, write, read }: MetricsDeps): MetricsPort {
  const { get, all, run } = sql;
  return {
    appendMetrics: (runId, points, summary, limit) =>
      write(() => {
        const owner = get<{ state: RunState; metric_values: number; summary: string }>(
          `SELECT state, metric_values, summary FROM runs WHERE id = ?`,
          runId,
        );
        if (owner === undefined) throw runNotFound(runId);
        if (isTerminalRunState(owner.state)) throw runEnded(runId, owner.state);
        const fitted = fitPoints(owner.metric_values, points, limit);
        let next =
          (get<{ n: number | null }>(
            `SELECT max(seq) AS n FROM run_metrics WHERE run_id = ?`,
            runId,
          )!.n ?? -1) + 1;
        if (fitted.keep.length > 0) {
          // One statement for the batch: SQLite takes the points apart (json_each) faster than
          // 10,000 single-row inserts are stepped one by one.
          run(
            `INSERT INTO run_metrics (run_id, seq, step, ts, data)
             SELECT ?, ? + key, value ->> 0, value ->> 1, value -> 2 FROM json_each(?)`,
            runId,
            next,
            JSON.stringify(fitted.keep.map((p) => [p.step, p.ts, p.values])),
          );
          next += fitted.keep.length;
        }
        const merged =
          summary === undefined
            ? null
            : JSON.stringify(
                mergeSummary(
                  JSON.parse(owner.summary) as Record<string, unknown>,
                  summary,
                  limit.maxSummaryKeys,
                ),
              );
        if (fitted.used !== owner.metric_values || merged !== null) {
          run(
            `UPDATE runs SET metric_values = ?, summary = coalesce(?, summary) WHERE id = ?`,
            fitted.used,
            merged,
            runId,
          );
        }
        return { accepted: fitted.keep.length, next, truncated: fitted.truncated };
      }),
    readMetrics: (runId, after, limit) =>
      read(() => {
        const points = all<MetricPointRow>(
          `SELECT seq, step, ts, data FROM run_metrics WHERE run_id = ? AND seq > ?
           ORDER BY seq LIMIT ?`,
          runId,
          after,
          limit,
        ).map(toMetricPoint);
        const used =
          get<{ metric_values: number }>(`SELECT metric_values FROM runs WHERE id = ?`, runId)
            ?.metric_values ?? 0;
        return { points, used };
      }),
  };
}
