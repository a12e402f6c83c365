/**
 * @module What a container's end means for its run (pure): the exit code as a process's (128 + the
 * signal when one ended it), a kill by the kernel's OOM killer as `oom_killed`, and the engine's own
 * words when the program could not be started in the image.
 */
import { constants } from 'node:os';

import type { ContainerState } from '../container-engine/index.js';
import type { ProgramExit } from '../runner.js';

function signalOf(exitCode: number): NodeJS.Signals | null {
  if (exitCode <= 128 || exitCode > 128 + 64) return null;
  const entry = Object.entries(constants.signals).find(([, n]) => n === exitCode - 128);
  return entry === undefined ? null : (entry[0] as NodeJS.Signals);
}

/** The exit of a container whose `wait` said `exitCode` and whose last state is `state`. */
export function exitOf(exitCode: number, state: ContainerState | undefined): ProgramExit {
  const signal = signalOf(exitCode);
  if (state?.oomKilled === true)
    return {
      exitCode,
      signal,
      reason: 'oom_killed',
      message: `The container was killed by the kernel for using more memory than it may (exit code ${exitCode}); raise memory in resource_args["local-container"], or use less`,
    };
  if (state?.error != null)
    return { exitCode, signal, message: `The container did not run: ${state.error}` };
  return { exitCode, signal };
}
