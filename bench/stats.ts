/** Percentiles over samples (nearest-rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Wall-clock now in nanoseconds with sub-millisecond precision, comparable with another process's time_ns(). */
export function wallNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}
