/**
 * @module Executing one run on this machine: prepare the source, start the process, ship its logs,
 * report its states. Used by the agent and by `launch()` (tminus/direct).
 *
 * States reported (the run is `starting` from its ack): `running` → `finished` | `failed` | `stopped`. A failure before the
 * program starts is `failed` at stage `agent` with a message saying what to fix. When the server
 * refuses our writes (another attempt owns the run, or it already ended) the process is killed and
 * nothing more is reported.
 */
import { writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';
import type { JobVersion, JsonObject, LaunchSpec, Run, RunState } from '@tminus/sdk/protocol';

import {
  type LocalProcess,
  type ProcessExit,
  startLocalProcess,
} from '../runners/local-process/runner.js';
import { buildProcessSpec } from '../runners/local-process/spec.js';
import { checkEntrypoint, checkRunnable, describeSource, prepareSource } from './prepare-source.js';
import {
  isOwnershipLost,
  LogShipper,
  type ReportedLine,
  type RunReporter,
} from './run-reporter.js';
import { handOver } from './run-as.js';
import type { RunIsolation } from './run-isolation.js';
import { PrepareError } from './source/prepare-error.js';
import { runTokenFor } from '../lib/run-token.js';
import { runDirPath } from './work-paths.js';

export interface ExecuteRunInput {
  /** Used for `TMINUS_API_URL` and to download code snapshots. */
  readonly api: Api;
  readonly reporter: RunReporter;
  readonly run: Run;
  readonly fencingToken: string;
  readonly job: JobVersion | null;
  readonly spec: LaunchSpec;
  readonly cacheDir: string;
  /** The run gets a fresh directory `<workDir>/<runId>-<random>` (removed when it ends). */
  readonly workDir: string;
  readonly stopGraceMs: number;
  /** What the run may see and touch on this machine. */
  readonly isolation: RunIsolation;
  readonly log?: (line: string) => void;
  /** Called once the process has started (the agent journals its process group). */
  readonly onStarted?: (pid: number) => void;
  /** The source, already being prepared (the agent starts it while its ack is on the way). */
  readonly staged?: StagedSource;
}

/** A run's directory and its source being prepared into `<dir>/src`. */
export interface StagedSource {
  readonly dir: string;
  readonly ready: Promise<{ readonly job: JobVersion; readonly commit: string | undefined }>;
}

/**
 * Starts preparing a run's source in a fresh directory `<workDir>/<runId>-<random>`. The agent calls
 * it before its ack is answered, so that unpacking or fetching overlaps the round trip; whoever
 * calls it removes `dir` if the run never executes. Throws (a PrepareError, before anything is
 * written) when `runId` is not a valid run id.
 */
export function stageSource(
  input: Pick<ExecuteRunInput, 'api' | 'job' | 'spec' | 'cacheDir' | 'workDir' | 'isolation'>,
  runId: string,
): StagedSource {
  const dir = runDirPath(input.workDir, runId);
  const ready = (async () => {
    const job = checkRunnable(input.spec, input.job);
    // Private until it is handed to the run: nothing in it is anyone else's business.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const download = async (digest: string) =>
      (await input.api.request('downloadBlob', { params: { digest } })) as Uint8Array;
    const { commit } = await prepareSource(
      {
        job,
        spec: input.spec,
        cacheDir: input.cacheDir,
        download,
        localRepos: input.isolation.localRepos,
        forAnotherUser: input.isolation.runAs !== undefined,
      },
      join(dir, 'src'),
    );
    return { job, commit };
  })();
  ready.catch(() => undefined); // awaited by executeRun, or dropped with the directory
  return { dir, ready };
}

/**
 * How long a run's first log line after a quiet spell waits for more before it is sent: bursts go in
 * one request, and a short program's output travels with its final report — one request fewer per run
 * (docs/benchmarks.md, end to end). Short enough that `tminus run logs -f` still looks live.
 */
const LOG_LINGER_MS = 50;

export interface RunOutcome {
  readonly state: RunState;
  readonly exitCode: number | null;
}

export interface RunExecution {
  readonly done: Promise<RunOutcome>;
  /** Stop the run (SIGTERM, SIGKILL after the grace period), report it `stopped`, and wait. */
  cancel(): Promise<void>;
  /** Kill the process and report nothing more (another owner has the run). */
  abandon(): Promise<void>;
}

interface Started {
  readonly child: LocalProcess;
  readonly commit: string | undefined;
  readonly config: JsonObject;
}

type StatusUpdate = Parameters<RunReporter['status']>[0];

/** The terminal report a process exit means (pure). */
export function terminalUpdate(
  exit: ProcessExit,
  cancelled: boolean,
): StatusUpdate & { exitCode: number } {
  if (cancelled) return { state: 'stopped', exitCode: exit.exitCode };
  if (exit.exitCode === 0) return { state: 'finished', exitCode: 0 };
  const message = exit.signal
    ? `Process was killed by ${exit.signal} (exit code ${exit.exitCode})`
    : `Process exited with code ${exit.exitCode}`;
  return {
    state: 'failed',
    exitCode: exit.exitCode,
    failure: { stage: 'run', reason: 'exit_code', message },
  };
}

export function executeRun(input: ExecuteRunInput): RunExecution {
  const { reporter, run, spec } = input;
  const log = input.log ?? (() => undefined);
  let child: LocalProcess | undefined;
  let stopping: 'cancel' | 'abandon' | undefined;

  const lose = () => {
    if (stopping !== 'abandon')
      log(`run ${run.id}: the server no longer accepts this agent's updates; stopping the process`);
    stopping = 'abandon';
    void child?.stop(0);
  };
  const shipper = new LogShipper(reporter, lose, LOG_LINGER_MS);
  const system = (text: string) => shipper.push('system', text);

  const start = async ({ dir, ready }: StagedSource): Promise<Started | undefined> => {
    // No `starting` report: the ack created the run in `starting`.
    const src = join(dir, 'src');
    const { job, commit } = await ready;
    if (stopping !== undefined) return undefined;
    const config = spec.overrides?.run_config ?? {};
    // Outside the source tree, so the program's own files are exactly the job's. Written
    // synchronously, like the snapshot's files (see snapshot-files.ts).
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    const { runAs } = input.isolation;
    if (runAs !== undefined) handOver(dir, runAs);
    const processSpec = buildProcessSpec({
      runId: run.id,
      entity: run.entity,
      project: run.project,
      name: run.name,
      queue: run.queue,
      spec,
      jobEntrypoint: job.source.entrypoint,
      runConfig: config,
      configPath,
      apiUrl: input.api.baseUrl,
      runToken: runTokenFor(run.id, input.fencingToken),
      attempt: run.attempt,
      baseEnv: process.env,
      secretEnv: input.isolation.secretEnv,
      wandbCredentials: input.isolation.wandbCredentials,
      ...(runAs === undefined ? {} : { user: runAs }),
    });
    if (processSpec === undefined) {
      throw new PrepareError(
        'The run has no entry point: the job defines none and overrides.entry_point is empty; set -E/--entry-point',
        'no_entrypoint',
      );
    }
    const where = describeSource(job, commit);
    checkEntrypoint(processSpec.argv, src, where);
    child = await startLocalProcess(processSpec, src, (stream, text) =>
      shipper.push(stream, text),
    ).catch((error: Error) => {
      throw new PrepareError(
        `Could not start "${processSpec.argv[0]}": ${error.message}; is it installed and on the agent's PATH?`,
        'spawn',
      );
    });
    return { child, commit, config };
  };

  const supervise = async ({ child, commit, config }: Started): Promise<RunOutcome> => {
    try {
      input.onStarted?.(child.pid);
      await reporter.status({
        state: 'running',
        config,
        ...(commit === undefined ? {} : { sourceCommit: commit }),
      });
    } catch (error) {
      if (isOwnershipLost(error)) lose();
      else
        log(
          `run ${run.id}: could not report it running (${(error as Error).message}); it keeps running`,
        );
    }
    // A cancel (or loss) that arrived while the process was being started.
    if (stopping !== undefined) void child.stop(stopping === 'cancel' ? input.stopGraceMs : 0);
    const exit = await child.exited;
    const last = await lastLines();
    if (stopping === 'abandon') return { state: 'crashed', exitCode: exit.exitCode };
    const update = terminalUpdate(exit, stopping === 'cancel');
    await report(update, last);
    return { state: update.state, exitCode: update.exitCode };
  };

  /** The lines not sent yet, to go with the terminal report (one request instead of two). */
  const lastLines = () =>
    shipper.takeLast().catch((error: unknown): ReportedLine[] => {
      if (!isOwnershipLost(error))
        log(`run ${run.id}: some log lines could not be sent (${(error as Error).message})`);
      return [];
    });

  /** A terminal report: if it cannot be delivered the outcome stands; the server's lease sweeper settles it. */
  const report = async (update: StatusUpdate, lines: readonly ReportedLine[] = []) => {
    await reporter.status(update, lines).catch((error: unknown) => {
      if (!isOwnershipLost(error))
        log(`run ${run.id}: could not report it ${update.state} (${(error as Error).message})`);
    });
  };

  const failBeforeStart = async (error: unknown): Promise<RunOutcome> => {
    await child?.stop(0);
    if (isOwnershipLost(error) || stopping === 'abandon')
      return { state: 'crashed', exitCode: null };
    if (stopping === 'cancel') {
      await report({ state: 'stopped' });
      return { state: 'stopped', exitCode: null };
    }
    const message = error instanceof Error ? error.message : String(error);
    const reason = error instanceof PrepareError ? error.reason : 'agent_error';
    log(`run ${run.id} failed before it started: ${message}`);
    system(`tminus: ${message}`);
    await report(
      { state: 'failed', failure: { stage: 'agent', reason, message } },
      await lastLines(),
    );
    return { state: 'failed', exitCode: null };
  };

  const done = (async (): Promise<RunOutcome> => {
    let staged: StagedSource;
    try {
      staged = input.staged ?? stageSource(input, run.id);
    } catch (error) {
      return failBeforeStart(error);
    }
    try {
      let started: Started | undefined;
      try {
        started = await start(staged);
      } catch (error) {
        return await failBeforeStart(error);
      }
      if (started !== undefined) return await supervise(started);
      // Cancelled (or lost) while the source was being prepared: the program never started.
      if (stopping === 'abandon') return { state: 'crashed', exitCode: null };
      await report({ state: 'stopped' });
      return { state: 'stopped', exitCode: null };
    } finally {
      await rm(staged.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  })();

  return {
    done,
    async cancel() {
      stopping ??= 'cancel';
      await child?.stop(input.stopGraceMs);
      await done;
    },
    async abandon() {
      lose();
      await done;
    },
  };
}
