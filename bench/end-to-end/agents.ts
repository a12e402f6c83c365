/** The end-to-end bench's real `tminus agent` processes: started on the queue, then warmed up until each has the snapshot cached. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { type Api, launchAdd } from '@tminus/sdk';

import { mapPool } from '../pool.js';
import { startTminus } from '../processes.js';
import { ENQUEUE_CLIENTS, MAX_JOBS, PARALLELISM, WAITERS } from './parallelism.js';

/**
 * One `tminus agent -q QUEUE --max-jobs MAX_JOBS` per data dir in `dirs`, all at once; resolves once
 * each is polling. Every one that started is added to `started` (even when another failed), so that
 * the caller stops it.
 */
export async function startAgents(
  dirs: readonly string[],
  queueName: string,
  env: { readonly TMINUS_BASE_URL: string; readonly TMINUS_API_KEY: string },
  nodeArgs: readonly string[],
  started: ChildProcess[],
): Promise<ChildProcess[]> {
  const starting = await Promise.allSettled(
    dirs.map((dir) =>
      startTminus(
        ['agent', '-q', queueName, '--max-jobs', String(MAX_JOBS)],
        { ...env, TMINUS_DATA_DIR: dir },
        /polling on queues/,
        nodeArgs,
      ),
    ),
  );
  const agents = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value.child] : []));
  started.push(...agents);
  const failed = starting.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return agents;
}

const hasCachedSnapshot = (agentDir: string) => {
  const dir = join(agentDir, 'agent-cache', 'code');
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.tgz'));
};

/** Warm-up: each agent downloads the snapshot once (its own cache) and JIT-compiles its paths. */
export async function warmUpAgents(
  api: Api,
  job: string,
  queueName: string,
  agentDirs: readonly string[],
): Promise<void> {
  for (let round = 0; round < 10 && !agentDirs.every(hasCachedSnapshot); round++) {
    const warm = await mapPool(PARALLELISM, ENQUEUE_CLIENTS, () =>
      launchAdd({ api, job, queueName }),
    );
    await mapPool(warm.length, WAITERS, async (i) => {
      const run = await warm[i]!.waitUntilFinished({ timeoutMs: 60_000 });
      if (run.state !== 'finished')
        throw new Error(`warm-up run ${run.id} ${run.state}: ${run.failure?.message ?? ''}`);
    });
  }
  if (!agentDirs.every(hasCachedSnapshot))
    throw new Error('warm-up: not every agent ran the job (is each one polling?)');
}
