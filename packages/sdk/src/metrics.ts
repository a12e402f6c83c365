/**
 * @module Reading a run's metrics (what its program logged with `tminus.log`): every point in the
 * order logged, page by page.
 */
import type { Api } from './client.js';
import type { MetricPoint } from './protocol/metrics.js';

export interface ScanMetricsOptions {
  /** Points per request. @default 10_000 */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

export interface RunMetrics {
  /** In the order they were logged. */
  readonly points: MetricPoint[];
  /** The run reached the server's limit: points it logged afterwards were dropped. */
  readonly truncated: boolean;
  /** Metric values (one key at one step) the server keeps per run. */
  readonly limit: number;
}

/**
 * Every point of a run, in order, read a page at a time.
 *
 * @example
 * for await (const p of scanMetrics(api, runId)) console.log(p.step, p.values.loss);
 */
export async function* scanMetrics(
  api: Api,
  runId: string,
  options: ScanMetricsOptions = {},
): AsyncGenerator<MetricPoint, void> {
  for await (const page of pages(api, runId, options)) yield* page.points;
}

/**
 * All of a run's points at once, and whether the server's limit cut them short.
 *
 * @example
 * const { points, truncated } = await readMetrics(api, run.id);
 */
export async function readMetrics(
  api: Api,
  runId: string,
  options: ScanMetricsOptions = {},
): Promise<RunMetrics> {
  const points: MetricPoint[] = [];
  let last = { truncated: false, limit: 0 };
  for await (const page of pages(api, runId, options)) {
    points.push(...page.points);
    last = page;
  }
  return { points, truncated: last.truncated, limit: last.limit };
}

async function* pages(api: Api, runId: string, options: ScanMetricsOptions) {
  const limit = options.pageSize ?? 10_000;
  let after = -1;
  for (;;) {
    const page = await api.request(
      'getMetrics',
      { params: { id: runId }, query: { after, limit } },
      { signal: options.signal },
    );
    yield page;
    if (page.points.length < limit) return;
    after = page.next;
  }
}
