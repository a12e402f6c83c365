/**
 * @module Run metrics: what a run's program logs (`tminus.log({"loss": 0.1}, step=3)` in Python), sent
 * with its run token, stored per run within the server's limit and read back in pages. A point is one
 * `log` call: a step and the values logged at it.
 */
import * as z from 'zod';

import { Timestamp } from './common.js';

/** Most keys one point (or one summary update) carries. */
export const MAX_METRIC_KEYS = 1_000;
/** Most points one request carries; the Python helper sends fewer. */
export const MAX_METRIC_POINTS = 10_000;

/** A metric's name, W&B style: `loss`, `train/acc`. */
export const MetricKey = z.string().min(1).max(256);

/** JSON has no NaN or ±Infinity: a diverged loss travels as one of these strings. */
export const NonFiniteNumber = z.enum(['NaN', 'Infinity', '-Infinity']);

/** A logged value: a number (booleans and nulls as W&B keeps them). */
export const MetricValue = z.union([z.number(), NonFiniteNumber, z.boolean(), z.null()]);
export type MetricValue = z.infer<typeof MetricValue>;

/** Between `min` and MAX_METRIC_KEYS keys, in one check (a refine costs as much as the record's own parse). */
const keyCount =
  (what: string, min: number) =>
  (ctx: { readonly value: Readonly<Record<string, unknown>>; issues: unknown[] }) => {
    const n = Object.keys(ctx.value).length;
    if (n < min || n > MAX_METRIC_KEYS) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `${what} carries ${n} keys; it may carry ${min} to ${MAX_METRIC_KEYS}`,
      });
    }
  };

export const MetricValues = z.record(MetricKey, MetricValue).check(keyCount('a point', 1));

/** One point as a program sends it. */
export const MetricPointInput = z.object({
  /** W&B's `_step`: the program's own counter, not necessarily consecutive. */
  step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  values: MetricValues,
  /** When it was logged, epoch milliseconds (default: when the server received it). */
  ts: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type MetricPointInput = z.infer<typeof MetricPointInput>;

/** A summary value: a metric value, or a short string (`"best_epoch": "7"`). */
export const SummaryValue = z.union([MetricValue, z.string().max(1024)]);

/** Keys to set in the run's summary (`tminus.summary`); `null` removes a key. */
export const SummaryPatch = z
  .record(MetricKey, SummaryValue)
  .check(keyCount('a summary update', 0));
export type SummaryPatch = z.infer<typeof SummaryPatch>;

export const LogMetricsRequest = z.object({
  points: z.array(MetricPointInput).max(MAX_METRIC_POINTS).default([]),
  summary: SummaryPatch.optional(),
});
export type LogMetricsRequest = z.input<typeof LogMetricsRequest>;

export const LogMetricsResponse = z.object({
  /** Points of this request that were kept. */
  accepted: z.number().int(),
  /** Sequence number the next kept point will get. */
  next: z.number().int(),
  /** The run's metrics limit is reached: later points are dropped (the run goes on). */
  truncated: z.boolean(),
});
export type LogMetricsResponse = z.infer<typeof LogMetricsResponse>;

/** One stored point, as read back. */
export const MetricPoint = z.object({
  /** Position in the run's metrics, consecutive from 0 in the order the points were logged. */
  seq: z.number().int(),
  step: z.number().int(),
  ts: Timestamp,
  values: z.record(z.string(), MetricValue),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const MetricsQuery = z.object({
  /** Points after this sequence number (-1: from the start). */
  after: z.coerce.number().int().min(-1).default(-1),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const MetricsPage = z.object({
  points: z.array(MetricPoint),
  /** Pass as `after` to read on. */
  next: z.number().int(),
  /** The run reached the server's limit: points logged after it were dropped. */
  truncated: z.boolean(),
  /** Metric values (one key at one step) the server keeps per run. */
  limit: z.number().int(),
});
export type MetricsPage = z.infer<typeof MetricsPage>;
