/**
 * @module A run's metrics (`getMetrics`, the points `tminus.log` reported): one small line chart per
 * numeric key, step on the x axis. Plain SVG: no chart library to load.
 */
import type { MetricPoint } from '@tminus/sdk/protocol';

import { useLoad } from '../hooks.js';
import type { Session } from '../session.js';
import { ErrorBox } from './error-box.js';

const W = 320;
const H = 120;
const PAD = 4;

/** Reads every page of a run's points (bounded by the run's metric limit on the server). */
async function allPoints(session: Session, id: string, signal: AbortSignal) {
  const points: MetricPoint[] = [];
  let after = -1;
  for (;;) {
    const page = await session.api.request(
      'getMetrics',
      { params: { id }, query: { after, limit: 10_000 } },
      { signal },
    );
    points.push(...page.points);
    if (page.points.length === 0 || page.next === after) return points;
    after = page.next;
  }
}

export function seriesOf(points: readonly MetricPoint[]): Map<string, [number, number][]> {
  const series = new Map<string, [number, number][]>();
  for (const point of points) {
    for (const [key, value] of Object.entries(point.values)) {
      if (typeof value !== 'number') continue;
      let list = series.get(key);
      if (list === undefined) series.set(key, (list = []));
      list.push([point.step, value]);
    }
  }
  return series;
}

export function MetricsCharts(props: { session: Session; runId: string; version: string }) {
  const [loaded] = useLoad(
    (signal) => allPoints(props.session, props.runId, signal),
    [props.runId, props.version],
  );
  if (loaded.status === 'loading') return <p class="status">Loading metrics…</p>;
  if (loaded.status === 'error') return <ErrorBox error={loaded.error} />;
  const series = seriesOf(loaded.value);
  if (series.size === 0) {
    return (
      <p class="status">
        No metrics. A program reports them with <code>tminus.log(&#123;"loss": 0.1&#125;)</code>.
      </p>
    );
  }
  return (
    <div class="charts">
      {[...series].map(([key, values]) => (
        <Chart key={key} name={key} values={values} />
      ))}
    </div>
  );
}

function Chart({ name, values }: { name: string; values: [number, number][] }) {
  const xs = values.map((v) => v[0]);
  const ys = values.map((v) => v[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * PAD);
  const path = values
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
    .join('');
  const last = values.at(-1);
  return (
    <figure class="chart">
      <figcaption>
        {name}{' '}
        <span class="muted">
          last {last?.[1]} at step {last?.[0]}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${name} over steps ${x0} to ${x1}: from ${y0} to ${y1}`}
      >
        <path d={path} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <div class="axis muted">
        <span>step {x0}</span>
        <span>
          {y0} … {y1}
        </span>
        <span>step {x1}</span>
      </div>
    </figure>
  );
}
