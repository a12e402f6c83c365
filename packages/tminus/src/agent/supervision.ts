/**
 * @module Watching one started program to its end: its output shipped to the server, its states
 * reported, a cancel or a loss of ownership obeyed. Shared by a run this agent starts (execute-run.ts)
 * and a run an earlier agent on this machine started that a runner could re-attach to.
 */
import type { JsonObject, RunState } from '@tminus/sdk/protocol';

import { PrepareError } from '../runners/prepare-error.js';
import type { ProgramEvents, ProgramExit, RunningProgram } from '../runners/runner.js';
import {
  isOwnershipLost,
  LogShipper,
  type NumberedLines,
  type ReportedLine,
  type RunReporter,
} from './run-reporter.js';

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
  /** Kill the program and report nothing more (another owner has the run). */
  abandon(): Promise<void>;
}

type StatusUpdate = Parameters<RunReporter['status']>[0];

/**
 * Reasons an engine gives for taking a program away rather than for its failing: the run ends
 * `preempted`, and the server re-queues it as the next attempt when the queue's retry policy allows.
 */
const TAKEN_AWAY = new Set(['preempted', 'node_fail']);
/** The engine stopped it on someone's order outside tminus (scancel, an administrator). */
const STOPPED_BY_ENGINE = 'cancelled';

/** The terminal report a program's exit means (pure); the runner may name a reason (`oom_killed`). */
export function terminalUpdate(
  exit: ProgramExit,
  cancelled: boolean,
): StatusUpdate & { exitCode: number } {
  if (cancelled) return { state: 'stopped', exitCode: exit.exitCode };
  if (exit.exitCode === 0 && exit.reason === undefined) return { state: 'finished', exitCode: 0 };
  const message =
    exit.message ??
    (exit.signal
      ? `Process was killed by ${exit.signal} (exit code ${exit.exitCode})`
      : `Process exited with code ${exit.exitCode}`);
  const reason = exit.reason ?? 'exit_code';
  const state = TAKEN_AWAY.has(reason)
    ? 'preempted'
    : reason === STOPPED_BY_ENGINE
      ? 'stopped'
      : 'failed';
  return { state, exitCode: exit.exitCode, failure: { stage: 'run', reason, message } };
}

/** What the `running` report carries for a program this agent started (none for a re-attached one). */
export interface StartFacts {
  readonly config: JsonObject;
  readonly commit: string | undefined;
  /** The run's directory on this machine (kept after the run ends: run-dirs.ts). */
  readonly runDir: string;
}

export class Supervision {
  #program: RunningProgram | undefined;
  #stopping: 'cancel' | 'abandon' | undefined;
  readonly #shipper: LogShipper;

  constructor(
    private readonly runId: string,
    private readonly reporter: RunReporter,
    private readonly stopGraceMs: number,
    private readonly log: (line: string) => void,
    firstLine = 0,
  ) {
    this.#shipper = new LogShipper(reporter, () => this.#lose(), LOG_LINGER_MS, firstLine);
  }

  /** Where the program's (and the runner's preparation's) output goes. */
  readonly onLine = (stream: ReportedLine['stream'], text: string): void =>
    this.#shipper.push(stream, text);

  /** Reports of why the engine holds the program back, in order, before the `running` report. */
  #waitingReports: Promise<void> = Promise.resolve();

  /**
   * What the runner tells about the program: its output, and why its engine holds it back — a
   * line in the run's log and a report to the server (`run explain` shows it while it is starting).
   */
  readonly events: ProgramEvents = {
    onLine: this.onLine,
    onWaiting: (waiting) => {
      this.#shipper.push('system', `tminus: waiting (${waiting.reason}): ${waiting.message}`);
      this.#waitingReports = this.#waitingReports.then(() =>
        this.reporter.status({ state: 'starting', waiting }).catch((error: unknown) => {
          if (isOwnershipLost(error)) this.#lose();
          else
            this.log(
              `run ${this.runId}: could not report why it waits (${(error as Error).message})`,
            );
        }),
      );
    },
  };

  /** The user asked to stop it, or another owner has it: nothing more should start. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  #lose(): void {
    if (this.#stopping !== 'abandon')
      this.log(
        `run ${this.runId}: the server no longer accepts this agent's updates; stopping the program`,
      );
    this.#stopping = 'abandon';
    void this.#program?.stop(0);
  }

  /** Reports `running` (for a program just started), then waits for its end and reports it. */
  async supervise(program: RunningProgram, started: StartFacts | undefined): Promise<RunOutcome> {
    this.#program = program;
    // A queued job is `starting` until its engine runs it (or it ends, or it is stopped first).
    await Promise.race([program.running, program.exited]);
    await this.#waitingReports;
    if (started !== undefined) {
      try {
        await this.reporter.status({
          state: 'running',
          config: started.config,
          runDir: started.runDir,
          ...(started.commit === undefined ? {} : { sourceCommit: started.commit }),
        });
      } catch (error) {
        if (isOwnershipLost(error)) this.#lose();
        else
          this.log(
            `run ${this.runId}: could not report it running (${(error as Error).message}); it keeps running`,
          );
      }
    }
    // A cancel (or loss) that arrived while the program was being started.
    if (this.#stopping !== undefined)
      void program.stop(this.#stopping === 'cancel' ? this.stopGraceMs : 0);
    const exit = await program.exited;
    const last = await this.#lastLines();
    if (this.#stopping === 'abandon') return { state: 'crashed', exitCode: exit.exitCode };
    const update = terminalUpdate(exit, this.#stopping === 'cancel');
    await this.#report(update, last);
    return { state: update.state, exitCode: update.exitCode };
  }

  /** The run ended before its program started: stopped, lost, or failed with what to fix. */
  async failBeforeStart(error: unknown): Promise<RunOutcome> {
    await this.#program?.stop(0);
    if (isOwnershipLost(error) || this.#stopping === 'abandon')
      return { state: 'crashed', exitCode: null };
    if (this.#stopping === 'cancel') return this.stoppedBeforeStart();
    const message = error instanceof Error ? error.message : String(error);
    const reason = error instanceof PrepareError ? error.reason : 'agent_error';
    const stage = error instanceof PrepareError ? error.stage : 'agent';
    this.log(`run ${this.runId} failed before it started: ${message}`);
    this.#shipper.push('system', `tminus: ${message}`);
    await this.#report(
      { state: 'failed', failure: { stage, reason, message } },
      await this.#lastLines(),
    );
    return { state: 'failed', exitCode: null };
  }

  /** Cancelled (or lost) while being prepared: the program never started. */
  async stoppedBeforeStart(): Promise<RunOutcome> {
    if (this.#stopping === 'abandon') return { state: 'crashed', exitCode: null };
    await this.#report({ state: 'stopped' });
    return { state: 'stopped', exitCode: null };
  }

  /** The execution handle the agent keeps: `done`, and how to cancel or abandon it. */
  execution(done: Promise<RunOutcome>): RunExecution {
    return {
      done,
      cancel: async () => {
        this.#stopping ??= 'cancel';
        await this.#program?.stop(this.stopGraceMs);
        await done;
      },
      abandon: async () => {
        this.#lose();
        await done;
      },
    };
  }

  /** The lines not sent yet, to go with the terminal report (one request instead of two). */
  #lastLines(): Promise<NumberedLines | undefined> {
    return this.#shipper.takeLast().catch((error: unknown) => {
      if (!isOwnershipLost(error))
        this.log(
          `run ${this.runId}: some log lines could not be sent (${(error as Error).message})`,
        );
      return undefined;
    });
  }

  /** A terminal report: if it cannot be delivered the outcome stands; the server's lease sweeper settles it. */
  async #report(update: StatusUpdate, last?: NumberedLines): Promise<void> {
    await this.reporter.status(update, last).catch((error: unknown) => {
      if (!isOwnershipLost(error))
        this.log(
          `run ${this.runId}: could not report it ${update.state} (${(error as Error).message})`,
        );
    });
  }
}
