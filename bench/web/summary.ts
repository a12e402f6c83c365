/** The web UI bench's figures: medians of the samples, ratios to the baseline, and the printed table. */
import { percentile } from '../stats.js';
import type { Sample } from './probe.js';

export interface Figures {
  readonly paint_ms: number;
  readonly heap_mb: number;
  readonly dom_nodes: number;
}

export interface ViewResult {
  readonly view: string;
  readonly baseline: string;
  readonly measured: string;
  readonly baseline_median: Figures;
  readonly measured_median: Figures;
  /** measured ÷ baseline, of the medians. */
  readonly paint_ratio: number;
  readonly heap_ratio: number;
  readonly paint_ms_all: { baseline: number[]; measured: number[] };
}

function median(samples: readonly Sample[]): Figures {
  const of = (pick: (s: Sample) => number) => percentile(samples.map(pick), 50);
  return {
    paint_ms: of((s) => s.paintMs),
    heap_mb: of((s) => s.heapMb),
    dom_nodes: of((s) => s.domNodes),
  };
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export function summarise(
  view: string,
  baseline: string,
  measured: string,
  samples: { baseline: Sample[]; measured: Sample[] },
): ViewResult {
  const b = median(samples.baseline);
  const m = median(samples.measured);
  return {
    view,
    baseline,
    measured,
    baseline_median: b,
    measured_median: m,
    paint_ratio: ratio(m.paint_ms, b.paint_ms),
    heap_ratio: ratio(m.heap_mb, b.heap_mb),
    paint_ms_all: {
      baseline: samples.baseline.map((s) => s.paintMs),
      measured: samples.measured.map((s) => s.paintMs),
    },
  };
}

export function printTable(r: {
  date: string;
  machine: { cores: number; cpu: string; memory_gb: number; node: string; chromium: string };
  samples: number;
  fill: Record<string, number>;
  views: ViewResult[];
}): void {
  const lines = [
    `tminus web UI bench — ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memory_gb} GiB, Node ${r.machine.node}, Chromium ${r.machine.chromium}, ${r.date}`,
    `fill: ${JSON.stringify(r.fill)}`,
    `medians of ${r.samples} samples each, interleaved with the baseline:`,
    `  ${'view'.padEnd(22)} ${'measured'.padEnd(16)} ${'paint ms'.padStart(9)} ${'heap MB'.padStart(8)} ${'DOM'.padStart(6)} | ${'baseline'.padEnd(10)} ${'paint ms'.padStart(9)} ${'heap MB'.padStart(8)} ${'DOM'.padStart(6)} | paint × | heap ×`,
  ];
  for (const v of r.views) {
    const m = v.measured_median;
    const b = v.baseline_median;
    lines.push(
      `  ${v.view.padEnd(22)} ${v.measured.padEnd(16)} ${String(m.paint_ms).padStart(9)} ${String(m.heap_mb).padStart(8)} ${String(m.dom_nodes).padStart(6)} | ${v.baseline.padEnd(10)} ${String(b.paint_ms).padStart(9)} ${String(b.heap_mb).padStart(8)} ${String(b.dom_nodes).padStart(6)} | ${String(v.paint_ratio).padStart(6)}× | ${String(v.heap_ratio).padStart(5)}×`,
    );
  }
  console.log(lines.join('\n'));
}
