/** The end-to-end bench's check of the timed runs: each finished with exit code 0, once, and printed its own line. */
import type { Api } from '@tminus/sdk';
import type { Run } from '@tminus/sdk/protocol';

import { mapPool } from '../pool.js';
import { ENQUEUE_CLIENTS } from './parallelism.js';
import { MARK } from './program.js';

/** Throws unless every one of `runs` runs finished with exit code 0, exactly once each, and logged `MARK <id> <expected>` on stdout. */
export async function checkRuns(
  api: Api,
  finished: readonly Run[],
  runs: number,
  expected: number,
): Promise<void> {
  const bad = finished.filter((r) => r.state !== 'finished' || r.exitCode !== 0);
  if (bad.length > 0) {
    const sample = bad
      .slice(0, 3)
      .map((r) => `${r.id} ${r.state} exit ${r.exitCode}: ${r.failure?.message ?? ''}`);
    throw new Error(`${bad.length} of ${runs} runs did not finish cleanly: ${sample.join('; ')}`);
  }
  if (new Set(finished.map((r) => r.id)).size !== runs)
    throw new Error('some runs were reported twice (duplicate run ids)');
  const silent = (
    await mapPool(runs, ENQUEUE_CLIENTS, async (i) => {
      const run = finished[i]!;
      const { lines } = await api.request('getLogs', { params: { id: run.id } });
      return lines.some((l) => l.stream === 'stdout' && l.text === `${MARK} ${run.id} ${expected}`)
        ? null
        : run.id;
    })
  ).filter((id) => id !== null);
  if (silent.length > 0)
    throw new Error(
      `${silent.length} of ${runs} runs lack the program's output line, e.g. ${silent[0]}`,
    );
}
