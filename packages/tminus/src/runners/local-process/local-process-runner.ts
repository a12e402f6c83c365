/**
 * @module The local-process runner behind the runner seam: the program runs on the agent's machine in
 * the job's source, in a process group of its own (runner.ts), as the agent's user or `--run-as`'s.
 * It cannot re-attach to a program an earlier agent started (its output pipes died with that agent):
 * `reattach` kills what is left of it.
 */
import { PrepareError } from '../prepare-error.js';
import type { ProgramRef, Runner, RunningProgram } from '../runner.js';
import { checkEntrypoint } from './check-entrypoint.js';
import { killGroup, type LocalProcess, startLocalProcess } from './runner.js';
import { processSpec } from './spec.js';

export const LOCAL_PROCESS = 'local-process';

function asProgram(child: LocalProcess): RunningProgram {
  return {
    ref: { resource: LOCAL_PROCESS, id: String(child.pid) },
    running: Promise.resolve(),
    exited: child.exited,
    stop: (graceMs) => child.stop(graceMs),
  };
}

export const localProcessRunner: Runner = {
  resource: LOCAL_PROCESS,

  prepare(plan) {
    if (plan.image !== undefined) {
      throw new PrepareError(
        `The run executes the image ${plan.image}, which needs a container runner; this queue's resource is local-process. Launch it to a queue whose resource is local-container`,
        'image_unsupported',
      );
    }
    if (plan.argv.length === 0) {
      throw new PrepareError(
        'The run has no entry point: the job defines none and overrides.entry_point is empty; set -E/--entry-point',
        'no_entrypoint',
      );
    }
    if (plan.sourceDir !== undefined) checkEntrypoint(plan.argv, plan.sourceDir, plan.sourceLabel);
    return Promise.resolve(plan);
  },

  async start(plan, { onLine }) {
    const spec = processSpec(plan);
    if (spec === undefined) throw new PrepareError('The run has no entry point', 'no_entrypoint');
    const child = await startLocalProcess(spec, plan.sourceDir ?? plan.dir, onLine).catch(
      (error: Error) => {
        throw new PrepareError(
          `Could not start "${spec.argv[0]}": ${error.message}; is it installed and on the agent's PATH?`,
          'spawn',
        );
      },
    );
    return asProgram(child);
  },

  reattach(ref: ProgramRef) {
    const pid = Number(ref.id);
    if (Number.isSafeInteger(pid) && pid > 1) killGroup(pid, 'SIGKILL');
    return Promise.resolve(undefined);
  },
};
