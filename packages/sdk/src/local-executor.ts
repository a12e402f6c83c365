/**
 * @module The seam between `launch()` and the machine it runs on. `launch()` executes the run in
 * the calling process, which needs process spawning and git; those live in the `tminus` package
 * (`tminus/direct`), loaded on demand so that this SDK stays isomorphic.
 */
import type { Api } from './client.js';
import type { DirectRunResponse } from './protocol/agent.js';
import type { RunState } from './protocol/run.js';
import { LaunchError } from './errors.js';

export interface LocalExecution {
  /** Resolves when the run is terminal and its final state has been reported. */
  readonly done: Promise<{ state: RunState; exitCode: number | null }>;
  /** SIGTERM the run's process group (SIGKILL after the grace period); resolves when it ended. */
  cancel(): Promise<void>;
}

export interface LocalExecutor {
  execute(
    api: Api,
    grant: DirectRunResponse,
    options: Record<string, never>,
  ): Promise<LocalExecution>;
}

// A variable specifier keeps bundlers of browser code from trying to resolve it.
const EXECUTOR_MODULE = 'tminus/direct';

export async function loadLocalExecutor(): Promise<LocalExecutor> {
  try {
    const module = (await import(/* @vite-ignore */ EXECUTOR_MODULE)) as {
      localExecutor: LocalExecutor;
    };
    return module.localExecutor;
  } catch (error) {
    throw new LaunchError(
      'UNIMPLEMENTED',
      'launch() runs the job on this machine and needs the tminus package',
      {
        hint: 'Install it next to @tminus/sdk (npm install tminus), or use launchAdd() to hand the run to an agent.',
        cause: error,
      },
    );
  }
}
