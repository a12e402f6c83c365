/** When a queued run's program started, by the wall-clock timestamp it prints first (`date +%s%N`). */
import type { Api, QueuedRun } from '@tminus/sdk';

/** Waits for `queued` to finish; returns ms from `t0` (wallNs) to the program's first stdout line. */
export async function programStartedMs(api: Api, queued: QueuedRun, t0: number): Promise<number> {
  const run = await queued.waitUntilFinished({ timeoutMs: 120_000 });
  if (run.state !== 'finished')
    throw new Error(`bench run ${run.id} ${run.state}: ${run.failure?.message ?? ''}`);
  const lines = (await api.request('getLogs', { params: { id: run.id } })).lines;
  const started = lines.find((l) => l.stream === 'stdout')?.text;
  return (Number(started) - t0) / 1e6;
}
