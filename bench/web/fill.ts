/**
 * What the web UI bench shows: many runs, written through the API's `createDirectRun` (one HTTP
 * request per run, 16 in flight: the server's own write path, validation and notifications
 * included, and fast enough for 10,000), and a run whose program prints a long log, executed by a
 * real agent through the local-process runner, its lines uploaded as the agent uploads any log.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';

import { uploadCodeJob } from '../../test/helpers/code-job.js';
import { mapPool } from '../pool.js';

/** Prints `lines` numbered lines (from TMINUS_CONFIG), flushing in blocks as a training loop would. */
const PRINTER_PY = `import json, os, sys
n = int(json.loads(os.environ["TMINUS_CONFIG"])["lines"])
out = sys.stdout
for i in range(n):
    out.write(f"step {i:06d} loss={1.0 / (i + 1):.6f} lr=0.001 throughput=1234.5 samples/s\\n")
out.flush()
`;

/** Creates `count` runs in `entity` (projects p0..p4), named run-000000…; returns ms taken. */
export async function fillRuns(api: Api, entity: string, count: number): Promise<number> {
  const started = performance.now();
  await mapPool(count, 16, async (i) => {
    await api.request('createDirectRun', {
      body: {
        spec: {
          entity,
          project: `p${i % 5}`,
          name: `run-${String(i).padStart(6, '0')}`,
        },
      },
    });
  });
  return Math.round(performance.now() - started);
}

/** A code job whose program prints the number of lines its config asks for. */
export async function printerJob(api: Api, dir: string): Promise<string> {
  const jobDir = join(dir, 'printer');
  mkdirSync(jobDir, { recursive: true });
  writeFileSync(join(jobDir, 'print.py'), PRINTER_PY);
  const job = await uploadCodeJob(api, jobDir, {
    project: 'bench',
    name: 'printer',
    entrypoint: ['python3', 'print.py'],
  });
  return `${job.entity}/${job.project}/${job.name}:latest`;
}

export interface LoggedRun {
  readonly runId: string;
  readonly lines: number;
  /** The text of the log's last line, as the API serves it. */
  readonly lastLine: string;
  /** launch → the run finished with every line stored. */
  readonly ms: number;
}

/** Launches the printer on `queue` (an agent polls it) and waits until its run has finished. */
export async function runPrinter(
  api: Api,
  job: string,
  queue: string,
  lines: number,
): Promise<LoggedRun> {
  const started = performance.now();
  const item = await api.request('enqueue', {
    body: { queue, spec: { job, name: `log-${lines}`, overrides: { run_config: { lines } } } },
  });
  const queued = await api.request('getQueueItem', {
    params: { id: item.id },
    query: { waitFor: 'started', waitMs: 60_000 },
  });
  if (queued.runId === null) throw new Error(`the printer of ${lines} lines never started`);
  const runId = queued.runId;
  for (;;) {
    const run = await api.request('getRun', {
      params: { id: runId },
      query: { waitFor: 'finished', waitMs: 60_000 },
    });
    if (run.state === 'finished') break;
    if (run.state === 'failed' || run.state === 'crashed' || run.state === 'stopped') {
      throw new Error(`the printer of ${lines} lines ended ${run.state}`);
    }
  }
  const ms = Math.round(performance.now() - started);
  let after = -1;
  let count = 0;
  let lastLine = '';
  for (;;) {
    const page = await api.request('getLogs', {
      params: { id: runId },
      query: { after, limit: 10_000 },
    });
    count += page.lines.length;
    lastLine = page.lines.at(-1)?.text ?? lastLine;
    after = page.next;
    if (page.lines.length === 0 || page.done) break;
  }
  if (count < lines) throw new Error(`the printer's log has ${count} lines, expected ${lines}`);
  return { runId, lines: count, lastLine, ms };
}
