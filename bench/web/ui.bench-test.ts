/**
 * Bench (issue 17, Performance): the run list with 10,000 runs and a log of 100,000 lines, in headless
 * Chromium against a real server (SQLite in a temp dir) and a real agent. For each view: time to first
 * paint (navigation start → the first run row; → the log's last line) and the JS heap after a
 * collection, against a baseline in the same run — the same view of 10 runs, of a 10-line log. The
 * log's first lines painted are measured too: the view shows them while the rest is still read.
 * Samples are interleaved (baseline, measured, baseline, …) and the median is reported. Run it with
 * `npm run bench:web` (TMINUS_BENCH_WEB_RUNS, _LINES, _SAMPLES to change the sizes); it prints a
 * table and writes bench/results/web-ui.json. Nothing about time is asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import type { Browser } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';

import { buildUi, findChromium, launchChromium } from '../../test/helpers/browser.js';
import { startStack, type TestStack } from '../../test/helpers/stack.js';
import { tempDir } from '../../test/helpers/temp.js';
import { fillRuns, printerJob, runPrinter } from './fill.js';
import { type Probe, sample, type Sample } from './probe.js';
import { printTable, summarise, type ViewResult } from './summary.js';

const RUNS = Number(process.env.TMINUS_BENCH_WEB_RUNS ?? 10_000);
const LINES = Number(process.env.TMINUS_BENCH_WEB_LINES ?? 100_000);
const SAMPLES = Number(process.env.TMINUS_BENCH_WEB_SAMPLES ?? 5);
const BASELINE = 10;

const tmp = tempDir('web-bench');
let stack: TestStack | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  tmp.remove();
});

it(`web UI: ${RUNS} runs and a ${LINES}-line log against ${BASELINE} of each`, async () => {
  const chromium = findChromium();
  if ('skip' in chromium) throw new Error(chromium.skip);
  buildUi();
  stack = await startStack({ entity: 'bench', maxLogMiB: 256 });
  const { api } = stack;
  await stack.startAgent(['default'], 2);
  await api.request('createTeam', { body: { name: 'small' } });
  const fillSmallMs = await fillRuns(api, 'small', BASELINE);
  const fillMs = await fillRuns(api, 'bench', RUNS);
  const job = await printerJob(api, tmp.path);
  const smallLog = await runPrinter(api, job, 'default', BASELINE);
  const bigLog = await runPrinter(api, job, 'default', LINES);
  browser = await launchChromium(chromium.path);

  const url = stack.url;
  const views: {
    name: string;
    baseline: string;
    measured: string;
    probe: (p: 'b' | 'm') => [string, Probe];
  }[] = [
    {
      name: 'run list: first row',
      baseline: `${BASELINE} runs`,
      measured: `${RUNS.toLocaleString('en')} runs`,
      probe: (p) => [
        `${url}/#/runs?entity=${p === 'b' ? 'small' : 'bench'}`,
        { selector: 'tr[data-run]' },
      ],
    },
    {
      name: 'log: first lines',
      baseline: `${BASELINE} lines`,
      measured: `${LINES.toLocaleString('en')} lines`,
      probe: (p) => [
        `${url}/#/run/${(p === 'b' ? smallLog : bigLog).runId}`,
        { selector: '.log .line' },
      ],
    },
    {
      name: 'log: last line',
      baseline: `${BASELINE} lines`,
      measured: `${LINES.toLocaleString('en')} lines`,
      probe: (p) => {
        const run = p === 'b' ? smallLog : bigLog;
        return [`${url}/#/run/${run.runId}`, { selector: '.log .line', text: run.lastLine }];
      },
    },
  ];
  const samples = new Map<string, { baseline: Sample[]; measured: Sample[] }>(
    views.map((v) => [v.name, { baseline: [], measured: [] }]),
  );
  // One sample of each first, not counted: the browser's and the server's first-use costs.
  for (const view of views)
    for (const p of ['b', 'm'] as const)
      await sample(browser, ...pair(view.probe(p), stack.apiKey));
  for (let i = 0; i < SAMPLES; i++) {
    for (const view of views) {
      const got = samples.get(view.name)!;
      got.baseline.push(await sample(browser, ...pair(view.probe('b'), stack.apiKey)));
      got.measured.push(await sample(browser, ...pair(view.probe('m'), stack.apiKey)));
    }
  }
  const results: ViewResult[] = views.map((v) =>
    summarise(v.name, v.baseline, v.measured, samples.get(v.name)!),
  );
  const result = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(totalmem() / 1024 ** 3),
      node: process.versions.node,
      chromium: browser.version(),
    },
    samples: SAMPLES,
    fill: {
      runs: RUNS,
      runs_ms: fillMs,
      baseline_runs_ms: fillSmallMs,
      log_lines: bigLog.lines,
      log_run_ms: bigLog.ms,
      baseline_log_run_ms: smallLog.ms,
    },
    views: results,
  };
  printTable(result);
  mkdirSync(join(import.meta.dirname, '..', 'results'), { recursive: true });
  writeFileSync(
    join(import.meta.dirname, '..', 'results', 'web-ui.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  expect(results).toHaveLength(views.length);
});

function pair([url, probe]: [string, Probe], key: string): [string, string, Probe] {
  return [url, key, probe];
}
