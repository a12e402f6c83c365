/**
 * @module How much of a run's metrics is kept (pure, shared by the store adapters), like its log
 * (log-budget.ts, decision 0019). Points are kept whole and in order while the run's count of values
 * (one key at one step is one) stays within its limit; the first point that would pass it and every
 * later one are dropped, and the count is set to the limit, so that what is kept is always a prefix
 * of what was logged. The run goes on. A summary holds at most `maxSummaryKeys` keys: updates of keys
 * it has always apply, new keys past the limit are dropped.
 */
export interface MetricLimit {
  /** Metric values (one key at one step) kept per run. */
  readonly maxValues: number;
  /** Keys a run's summary holds at most. */
  readonly maxSummaryKeys: number;
}

export interface FittedPoints<P> {
  /** The points to store. */
  readonly keep: readonly P[];
  /** The run's count afterwards (`maxValues` once the limit was reached). */
  readonly used: number;
  /** True when the limit is reached: later points are dropped. */
  readonly truncated: boolean;
}

export function fitPoints<P extends { readonly values: Readonly<Record<string, unknown>> }>(
  used: number,
  points: readonly P[],
  limit: MetricLimit,
): FittedPoints<P> {
  if (used >= limit.maxValues) return { keep: [], used, truncated: true };
  let total = used;
  for (const [i, point] of points.entries()) {
    const size = Object.keys(point.values).length;
    if (total + size > limit.maxValues) {
      return { keep: points.slice(0, i), used: limit.maxValues, truncated: true };
    }
    total += size;
  }
  return { keep: points, used: total, truncated: false };
}

/**
 * The summary with `patch` applied: `null` removes a key (removals first), a known key is updated, a
 * new key is added while the summary has fewer than `maxKeys` (later ones are dropped).
 */
export function mergeSummary(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
  maxKeys: number,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  const entries = Object.entries(patch);
  // Removals first, so that a patch that removes one key and adds another fits the limit.
  for (const [key, value] of entries) if (value === null) delete merged[key];
  let count = Object.keys(merged).length;
  for (const [key, value] of entries) {
    if (value === null) continue;
    if (Object.hasOwn(merged, key)) merged[key] = value;
    else if (count < maxKeys) {
      merged[key] = value;
      count++;
    }
  }
  return merged;
}
