/**
 * @module `tminus/direct`: the executor `launch()` loads to run a job on the calling machine (no
 * queue, no agent). It reuses the agent's execution code, reporting to the server with the direct
 * run's fencing token.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Api, LocalExecution, LocalExecutor } from '@tminus/sdk';
import type { DirectRunResponse } from '@tminus/sdk/protocol';

import { executeRun } from '../agent/execute-run.js';
import { createApiReporter } from '../agent/run-reporter.js';
import { CALLERS_OWN_MACHINE } from '../agent/run-isolation.js';
import { DEFAULT_RUN_DIR_POLICY, type RunDirPolicy, RunDirRetention } from '../agent/run-dirs.js';
import { defaultCacheDir } from '../lib/defaults.js';
import { localContainerRunner } from '../runners/local-container/runner.js';
import { runnerSet } from '../runners/runner-set.js';

export interface DirectOptions {
  /** @default `$TMINUS_CACHE_DIR` or `~/.tminus/agent-cache` (shared with a local agent's git mirrors) */
  readonly cacheDir?: string;
  /** @default `<os tmpdir>/tminus-runs` */
  readonly workDir?: string;
  /** SIGTERM → SIGKILL grace on cancel. @default 60_000 (W&B's stopped_run_timeout) */
  readonly stopGraceMs?: number;
  /** How long ended runs' directories are kept. @default a week, 20 GiB */
  readonly runDirPolicy?: RunDirPolicy;
}

export const localExecutor = {
  execute(
    api: Api,
    grant: DirectRunResponse,
    options: DirectOptions = {},
  ): Promise<LocalExecution> {
    const workDir = options.workDir ?? join(tmpdir(), 'tminus-runs');
    const execution = executeRun({
      api,
      reporter: createApiReporter(api, grant.run.id, grant.fencingToken),
      run: grant.run,
      fencingToken: grant.fencingToken,
      job: grant.job,
      spec: grant.run.spec,
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      workDir,
      // As an agent's: kept after the run (its outputs, ./wandb), a week or 20 GiB at most.
      runDirs: new RunDirRetention(workDir, options.runDirPolicy ?? DEFAULT_RUN_DIR_POLICY),
      stopGraceMs: options.stopGraceMs ?? 60_000,
      isolation: CALLERS_OWN_MACHINE,
      runners: runnerSet([localContainerRunner()]),
    });
    return Promise.resolve({ done: execution.done, cancel: () => execution.cancel() });
  },
} satisfies LocalExecutor;
