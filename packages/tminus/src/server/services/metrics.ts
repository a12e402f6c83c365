/**
 * @module Run metrics: points and summary values a run's program logs with its run token (the policy
 * lets nothing else write them), kept within the server's per-run limit, and read back in pages.
 */
import type {
  LogMetricsResponse,
  MetricPointInput,
  MetricsPage,
  SummaryPatch,
} from '@tminus/sdk/protocol';

import type { ServiceContext } from './context.js';

export class MetricsService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Points without a time get the time they arrived. */
  append(
    runId: string,
    request: {
      readonly points: readonly MetricPointInput[];
      readonly summary?: SummaryPatch | undefined;
    },
  ): Promise<LogMetricsResponse> {
    const now = this.ctx.now();
    const points = request.points.map((p) => ({ step: p.step, values: p.values, ts: p.ts ?? now }));
    return this.ctx.store.appendMetrics(runId, points, request.summary, this.ctx.metricLimit);
  }

  async read(runId: string, after: number, limit: number): Promise<MetricsPage> {
    const { points, used } = await this.ctx.store.readMetrics(runId, after, limit);
    const { maxValues } = this.ctx.metricLimit;
    return {
      points,
      next: points.at(-1)?.seq ?? after,
      truncated: used >= maxValues,
      limit: maxValues,
    };
  }
}
