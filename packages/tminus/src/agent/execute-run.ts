/**
 * @module Executing one run: prepare its source and config, hand it to the runner its `resource`
 * names (runners/runner.ts), ship its logs, report its states. Used by the agent and by `launch()`
 * (tminus/direct).
 *
 * States reported (the run is `starting` from its ack): `running` (with the run's directory, which
 * outlives the run: run-dirs.ts) → `finished` | `failed` | `stopped`.
 * A failure before the program starts is `failed` at stage `agent` (or `build`) with a message saying
 * what to fix. When the server refuses our writes (another attempt owns the run, or it already ended)
 * the program is stopped and nothing more is reported.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';
import type { JobVersion, LaunchSpec, Run } from '@tminus/sdk/protocol';

import { buildInputs } from '../runners/build-inputs.js';
import { buildArgv } from '../runners/entrypoint.js';
import type { ProgramEvents, ProgramRef, Runner, RunningProgram } from '../runners/runner.js';
import { runVariables } from '../runners/run-variables.js';
import { checkRunnable, describeSource, prepareSource, type Runnable } from './prepare-source.js';
import type { RunReporter } from './run-reporter.js';
import { type RunExecution, type RunOutcome, Supervision } from './supervision.js';
import { handOver } from './run-as.js';
import type { RunIsolation } from './run-isolation.js';
import { PrepareError } from '../runners/prepare-error.js';
import { isJsonObject } from '../lib/json.js';
import { runTokenFor } from '../lib/run-token.js';
import type { RunDirRetention } from './run-dirs.js';
import { runDirPath } from './work-paths.js';

export interface ExecuteRunInput {
  /** Used for `TMINUS_API_URL` and to download code snapshots. */
  readonly api: Api;
  readonly reporter: RunReporter;
  readonly run: Run;
  readonly fencingToken: string;
  readonly job: JobVersion | null;
  readonly spec: LaunchSpec;
  /** The entity that owns the run's queue (none for a direct launch). */
  readonly queueEntity?: string;
  readonly cacheDir: string;
  /** The run gets a fresh directory `<workDir>/<runId>-<random>`. */
  readonly workDir: string;
  /** Keeps the run's directory once it has ended, until its policy removes it. */
  readonly runDirs: RunDirRetention;
  readonly stopGraceMs: number;
  /** What the run may see and touch on this machine. */
  readonly isolation: RunIsolation;
  /** The runners this machine has, by the `resource` they serve. */
  readonly runners: ReadonlyMap<string, Runner>;
  readonly log?: (line: string) => void;
  /** Called once the program has started (the agent journals it, to find it again after a restart). */
  readonly onStarted?: (ref: ProgramRef) => void;
  /** The source, already being prepared (the agent starts it while its ack is on the way). */
  readonly staged?: StagedSource;
}

/** A run's directory and its source (if it has one) being prepared into `<dir>/src`. */
export interface StagedSource {
  readonly dir: string;
  readonly ready: Promise<Runnable & { readonly commit: string | undefined }>;
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
    const runnable = checkRunnable(input.spec, input.job);
    // Private until it is handed to the run: nothing in it is anyone else's business.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { job } = runnable;
    if (job === null || !runnable.hasSource) return { ...runnable, commit: undefined };
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
    return { ...runnable, commit };
  })();
  ready.catch(() => undefined); // awaited by executeRun, or dropped with the directory
  return { dir, ready };
}

/** The runner the run's `resource` names, or a PrepareError listing what this machine has. */
function runnerFor(runners: ReadonlyMap<string, Runner>, spec: LaunchSpec): Runner {
  const resource = spec.resource ?? 'local-process';
  const runner = runners.get(resource);
  if (runner !== undefined) return runner;
  throw new PrepareError(
    `This agent has no runner for resource "${resource}" (it has: ${[...runners.keys()].join(', ')}); start an agent that has one on this queue, or launch to a queue whose resource this agent runs`,
    'unsupported_resource',
  );
}

export function executeRun(input: ExecuteRunInput): RunExecution {
  const { run, spec } = input;
  const sup = new Supervision(
    run.id,
    input.reporter,
    input.stopGraceMs,
    input.log ?? (() => undefined),
  );

  const start = async (runner: Runner, { dir, ready }: StagedSource) => {
    // No `starting` report: the ack created the run in `starting`.
    const runnable = await ready;
    if (sup.stopping) return undefined;
    const config = spec.overrides?.run_config ?? {};
    // Outside the source tree, so the program's own files are exactly the job's. Written
    // synchronously, like the snapshot's files (see snapshot-files.ts).
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    const { runAs } = input.isolation;
    if (runAs !== undefined) handOver(dir, runAs);
    const args = spec.resource_args?.[runner.resource];
    const build = buildInputs(spec, runnable.job, runnable.commit);
    const plan = await runner.prepare(
      {
        runId: run.id,
        attempt: run.attempt,
        argv: buildArgv(spec, runnable.job?.source.entrypoint) ?? [],
        runEnv: runVariables({
          runId: run.id,
          entity: run.entity,
          project: run.project,
          name: run.name,
          queue: run.queue,
          queueEntity: input.queueEntity ?? null,
          queueItemId: run.queueItemId,
          image: runnable.image,
          spec,
          runConfig: config,
          apiUrl: input.api.baseUrl,
          runToken: runTokenFor(run.id, input.fencingToken),
          attempt: run.attempt,
        }),
        inherit: {
          baseEnv: process.env,
          secretEnv: input.isolation.secretEnv,
          wandbCredentials: input.isolation.wandbCredentials,
        },
        dir,
        configPath,
        sourceDir: runnable.hasSource ? join(dir, 'src') : undefined,
        sourceLabel: describeSource(runnable.job, runnable.commit),
        image: runnable.image,
        resourceArgs: isJsonObject(args) ? args : {},
        ...(runAs === undefined ? {} : { user: runAs }),
        ...(build === undefined ? {} : { build }),
      },
      sup.onLine,
    );
    if (sup.stopping) return undefined;
    const program = await runner.start(plan, sup.events);
    input.onStarted?.(program.ref);
    return { program, facts: { config, commit: runnable.commit, runDir: dir } };
  };

  const done = (async (): Promise<RunOutcome> => {
    let staged: StagedSource;
    let runner: Runner;
    try {
      runner = runnerFor(input.runners, spec);
      staged = input.staged ?? stageSource(input, run.id);
    } catch (error) {
      return sup.failBeforeStart(error);
    }
    try {
      let started;
      try {
        started = await start(runner, staged);
      } catch (error) {
        return await sup.failBeforeStart(error);
      }
      if (started === undefined) return await sup.stoppedBeforeStart();
      return await sup.supervise(started.program, started.facts);
    } finally {
      // Kept — the program's outputs, ./wandb — until the retention removes it.
      await input.runDirs
        .ended(staged.dir)
        .catch((error: unknown) =>
          input.log?.(`run ${run.id}: could not record its directory as ended (${String(error)})`),
        );
    }
  })();

  return sup.execution(done);
}

/**
 * A run an earlier agent on this machine started: `attach` asks its runner to follow the program
 * again (its output going to the run's log); watched to its end, or undefined when it cannot be.
 */
export async function adoptRun(input: {
  readonly runId: string;
  readonly reporter: RunReporter;
  readonly stopGraceMs: number;
  readonly log?: (line: string) => void;
  /** How many of the run's lines the server has from the previous agent (`linesReceived`). */
  readonly firstLine: number;
  readonly attach: (events: ProgramEvents) => Promise<RunningProgram | undefined>;
}): Promise<RunExecution | undefined> {
  const sup = new Supervision(
    input.runId,
    input.reporter,
    input.stopGraceMs,
    input.log ?? (() => undefined),
    input.firstLine,
  );
  const program = await input.attach(sup.events);
  return program === undefined ? undefined : sup.execution(sup.supervise(program, undefined));
}

export { terminalUpdate, type RunExecution, type RunOutcome } from './supervision.js';
