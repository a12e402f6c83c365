/**
 * @module `tminus/direct`: the executor `launch()` loads to run a job on the calling machine. It
 * reuses the agent's execution code, reporting to the server with the direct run's fencing token.
 */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Api, LocalExecutor } from '@tminus/sdk';
import type { DirectRunResponse } from '@tminus/sdk/protocol';

import { executeRun } from '../agent/execute-run.js';
import { createApiReporter } from '../agent/run-reporter.js';

export const localExecutor: LocalExecutor = {
  execute(api: Api, grant: DirectRunResponse) {
    const execution = executeRun({
      api,
      reporter: createApiReporter(api, grant.run.id, grant.fencingToken),
      run: grant.run,
      fencingToken: grant.fencingToken,
      job: grant.job,
      spec: grant.run.spec,
      cacheDir: process.env.TMINUS_CACHE_DIR || join(homedir(), '.tminus', 'agent-cache'),
      workDir: join(tmpdir(), 'tminus-runs'),
      stopGraceMs: 60_000,
    });
    return Promise.resolve({ done: execution.done, cancel: () => execution.cancel() });
  },
};
