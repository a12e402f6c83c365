import { readFileSync } from 'node:fs';

import type { QueuedRun } from '@tminus/sdk';
import { expect } from 'vitest';

/**
 * Waits for every queued run to finish, then checks the program's own side effect: the file where each
 * execution appended its run id holds every run exactly once. Returns the run ids.
 */
export async function expectEachExecutedOnce(
  queued: readonly QueuedRun[],
  executionsFile: string,
): Promise<string[]> {
  const runIds: string[] = [];
  for (const q of queued) {
    const run = await q.waitUntilFinished({ timeoutMs: 240_000 });
    expect(run.state).toBe('finished');
    runIds.push(run.id);
  }
  const executed = readFileSync(executionsFile, 'utf8').trim().split('\n');
  expect(executed.length).toBe(queued.length);
  expect(new Set(executed)).toEqual(new Set(runIds));
  return runIds;
}

/** The program both exactly-once tests run: it appends its run id to `$OUT`. */
export const APPEND_RUN_ID = ['sh', '-c', 'echo "$TMINUS_RUN_ID" >> "$OUT"'];
