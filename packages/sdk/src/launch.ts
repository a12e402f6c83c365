/**
 * @module `launch`: W&B's `launch(api, …)`: run a job on this machine, without a queue or agent,
 * recording the run on the server like any other.
 */
import type { Api } from './client.js';
import { ExecutionError, invalidArgument, LaunchError } from './errors.js';
import { buildLaunchSpec, SPEC_OPTION_KEYS, type SpecOptions } from './launch-spec-builder.js';
import { checkOptionKeys } from './option-keys.js';
import { type LocalExecution, loadLocalExecutor } from './local-executor.js';
import { SubmittedRun } from './submitted-run.js';

export interface LaunchOptions extends SpecOptions {
  /** Wait for the run to end and throw `ExecutionError` if it failed. @default true */
  readonly synchronous?: boolean;
}

const LAUNCH_KEYS = [
  ...SPEC_OPTION_KEYS,
  'synchronous',
] as const satisfies readonly (keyof LaunchOptions)[];

/**
 * Runs a job here and now.
 *
 * @example
 * const run = await launch(new Api(), { job: 'alice/mnist/train:latest', config: { overrides: { run_config: { lr: 0.1 } } } });
 */
export async function launch(api: Api, options: LaunchOptions = {}): Promise<SubmittedRun> {
  if (typeof (api as Partial<Api> | undefined)?.request !== 'function') {
    throw invalidArgument(
      'launch() needs an Api as its first argument (W&B: launch(api, job=…)), then its options',
      'Call launch(new Api(), { job: "<entity>/<project>/<name>:latest" }).',
    );
  }
  checkOptionKeys('launch', options, LAUNCH_KEYS);
  const spec = buildLaunchSpec(options);
  const resource = spec.resource ?? 'local-process';
  if (resource !== 'local-process') {
    throw new LaunchError(
      'UNIMPLEMENTED',
      `launch() can run on local-process only for now, not "${resource}"`,
      {
        hint: 'Use launchAdd() with a queue whose agent has that runner, or omit resource.',
      },
    );
  }
  spec.resource = resource;
  const executor = await loadLocalExecutor();
  const grant = await api.request('createDirectRun', { body: { spec } });
  const execution = await executor.execute(api, grant, {});
  const release = terminateOnInterrupt(execution);
  void execution.done.finally(release);
  const submitted = new SubmittedRun(api, grant.run.id, execution);
  if (options.synchronous === false) return submitted;
  const { state, exitCode } = await execution.done;
  if (state !== 'finished') {
    const run = await api.request('getRun', { params: { id: grant.run.id } });
    const why = run.failure?.message ?? `ended ${state}`;
    throw new ExecutionError(`Run ${run.id} ${state}: ${why}`, {
      details: { runId: run.id, state, exitCode },
      hint: `Read its output with \`tminus run logs ${run.id}\`.`,
    });
  }
  return submitted;
}

interface ProcessLike {
  once(event: string, listener: (signal: string) => void): void;
  off(event: string, listener: (signal: string) => void): void;
  kill(pid: number, signal: string): void;
  pid: number;
}

/**
 * W&B: runs started by `launch` are terminated if the calling process is interrupted. The run's
 * process has its own process group (so a cancel reaches its children), which also means a Ctrl-C
 * would not reach it on its own: we stop it, then re-raise the signal.
 */
function terminateOnInterrupt(execution: LocalExecution): () => void {
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (proc === undefined) return () => undefined;
  const onSignal = (signal: string) => {
    void execution.cancel().finally(() => proc.kill(proc.pid, signal));
  };
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return () => {
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
  };
}
