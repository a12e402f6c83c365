/**
 * @module Executing one run on this machine: prepare the source, start the process, ship its logs,
 * report its states. Used by the agent and by `launch()` (tminus/direct).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

import type { Api } from '@tminus/sdk';
import type { JobVersion, LaunchSpec, Run, RunState } from '@tminus/sdk/protocol';

import { startLocalProcess, type LocalProcess } from '../runners/local-process/runner.js';
import { buildProcessSpec } from '../runners/local-process/spec.js';
import { isStaleToken, LogShipper, type RunReporter } from './run-reporter.js';
import { prepareCodeSource } from './source/code-source.js';
import { prepareGitSource } from './source/git-source.js';
import { PrepareError } from './source/prepare-error.js';

export interface ExecuteRunInput {
  readonly api: Api;
  readonly reporter: RunReporter;
  readonly run: Run;
  readonly fencingToken: string;
  readonly job: JobVersion | null;
  readonly spec: LaunchSpec;
  readonly cacheDir: string;
  readonly workDir: string;
  readonly stopGraceMs: number;
  readonly log?: (line: string) => void;
  /** Called once the process has started (the agent journals its process group). */
  readonly onStarted?: (pid: number) => void;
}

export interface RunOutcome {
  readonly state: RunState;
  readonly exitCode: number | null;
}

export interface RunExecution {
  readonly done: Promise<RunOutcome>;
  /** Stop the run (SIGTERM, SIGKILL after the grace period) and report it `stopped`. */
  cancel(): Promise<void>;
  /** Kill the process and report nothing more (another owner has the run). */
  abandon(): Promise<void>;
}

export function executeRun(input: ExecuteRunInput): RunExecution {
  let child: LocalProcess | undefined;
  let stopping: 'cancel' | 'abandon' | undefined;

  const done = (async (): Promise<RunOutcome> => {
    const { reporter, run, spec } = input;
    const dir = join(input.workDir, `${run.id}-${randomBytes(4).toString('hex')}`);
    try {
      await reporter.status({ state: 'starting' });
      const prepared = await prepare(input, join(dir, 'src'));
      if (stopping) return await finishStopped(reporter, stopping);
      const configPath = join(dir, 'config.json');
      const runConfig = spec.overrides?.run_config ?? {};
      await writeFile(configPath, JSON.stringify(runConfig));
      const processSpec = buildProcessSpec({
        runId: run.id, entity: run.entity, project: run.project, name: run.name, queue: run.queue, spec,
        jobEntrypoint: input.job?.source.entrypoint, runConfig, configPath, apiUrl: input.api.baseUrl,
        runToken: input.fencingToken, attempt: run.attempt, baseEnv: process.env,
      });
      if (processSpec === undefined) {
        throw new PrepareError('The run has no entry point: the job defines none and overrides.entry_point is empty (set -E/--entry-point)', 'no_entrypoint');
      }
      await checkEntrypoint(processSpec.argv, join(dir, 'src'), input.job?.ref);
      const shipper = new LogShipper(reporter);
      child = await startLocalProcess(processSpec, join(dir, 'src'), (stream, text) => shipper.push(stream, text)).catch((error: Error) => {
        throw new PrepareError(`Could not start ${processSpec.argv[0]}: ${error.message}`, 'spawn');
      });
      input.onStarted?.(child.pid);
      await reporter.status({ state: 'running', config: runConfig, ...(prepared.commit ? { sourceCommit: prepared.commit } : {}) });
      if (stopping) void child.stop(input.stopGraceMs);
      const exit = await child.exited;
      await shipper.flush();
      if (stopping) return await finishStopped(reporter, stopping, exit.exitCode);
      if (exit.exitCode === 0) {
        await reporter.status({ state: 'finished', exitCode: 0 });
        return { state: 'finished', exitCode: 0 };
      }
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
      await reporter.status({ state: 'failed', exitCode: exit.exitCode, failure: { stage: 'run', reason: 'exit_code', message: `Process ${how}` } });
      return { state: 'failed', exitCode: exit.exitCode };
    } catch (error) {
      if (isStaleToken(error)) {
        await child?.stop(0);
        return { state: 'crashed', exitCode: null };
      }
      const message = error instanceof Error ? error.message : String(error);
      const reason = error instanceof PrepareError ? error.reason : 'agent_error';
      input.log?.(`run ${run.id} failed before it started: ${message}`);
      await reporter.status({ state: 'failed', failure: { stage: 'agent', reason, message } }).catch(() => undefined);
      return { state: 'failed', exitCode: null };
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  })();

  const stop = async (how: 'cancel' | 'abandon') => {
    stopping ??= how;
    await child?.stop(how === 'cancel' ? input.stopGraceMs : 0);
  };
  return {
    done,
    cancel: async () => {
      await stop('cancel');
      await done;
    },
    abandon: async () => {
      await stop('abandon');
      await done;
    },
  };
}

async function finishStopped(reporter: RunReporter, how: 'cancel' | 'abandon', exitCode?: number): Promise<RunOutcome> {
  if (how === 'abandon') return { state: 'crashed', exitCode: exitCode ?? null };
  await reporter.status({ state: 'stopped', ...(exitCode === undefined ? {} : { exitCode }) });
  return { state: 'stopped', exitCode: exitCode ?? null };
}

async function prepare(input: ExecuteRunInput, dir: string): Promise<{ commit?: string }> {
  const { job, spec } = input;
  const resource = spec.resource ?? 'local-process';
  if (resource !== 'local-process') {
    throw new PrepareError(`This agent has only the local-process runner; resource "${resource}" needs a runner that comes later (container, kubernetes, slurm)`, 'unsupported_resource');
  }
  if (spec.docker?.docker_image || job?.source.type === 'image') {
    throw new PrepareError('Image jobs need a container runner (local-container), which this agent does not have yet; use a git or code job', 'image_unsupported');
  }
  if (job === null) throw new PrepareError('The run names no job to execute', 'no_job');
  await mkdir(dir, { recursive: true });
  if (job.source.type === 'git') {
    const { commit } = await prepareGitSource(job.source, spec.git?.version, input.cacheDir, dir);
    return { commit };
  }
  if (job.source.type === 'code') await prepareCodeSource(input.api, job.source, input.cacheDir, dir);
  return {};
}

/** A relative script named by the entry point must exist in the source (checked before spawning). */
async function checkEntrypoint(argv: readonly string[], dir: string, ref: string | undefined): Promise<void> {
  const file = argv.slice(0, 2).find((a) => /\.(py|sh|js)$/.test(a));
  if (file === undefined || isAbsolute(file)) return;
  try {
    await stat(join(dir, file));
  } catch {
    throw new PrepareError(`Entrypoint "${file}" not found in the job's source${ref ? ` (${ref})` : ''}; set -E/--entry-point or fix the job`, 'entrypoint_missing');
  }
}
