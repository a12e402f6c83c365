import { LaunchError } from '@tminus/sdk';
import {
  type DirectRunResponse,
  isTerminalRunState,
  type LaunchSpec,
  type LogPage,
  type Run,
  type RunState,
  type RunStatusUpdate,
  type RunTransition,
  type RunWaiting,
} from '@tminus/sdk/protocol';

import { buildOptionsProblem } from '../../core/build-options.js';
import { mayRetry } from '../../core/retry-policy.js';
import { CANCELLABLE_STATES, canTransition } from '../../core/run-lifecycle.js';
import { newFencingToken, newRunId } from '../ids.js';
import { topics } from '../notifier.js';
import type { AppendedLogs, RunListFilter, RunPatch } from '../../store/store.js';
import type { AuthContext } from '../auth.js';
import type { ServiceContext } from './context.js';
import { runNotFound } from '../not-found.js';
import { type EnqueueService, launcherOf } from './enqueue.js';
import type { JobService } from './jobs.js';
import { watchDigest } from './watch.js';

/**
 * What a page of runs hands out as `nextCursor` in every store: the sequence number of its last run.
 * Checked here, before any store sees it (PostgreSQL took a malformed one for a bigint and failed).
 */
const RUN_CURSOR = /^\d{1,15}$/;

/** Runs: reading and waiting, agent status reports (fenced), cancel, logs and direct runs. */
export class RunService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly enqueue: EnqueueService,
    private readonly jobs: JobService,
    /** The state of each run as this replica last wrote it (see services/index.ts). */
    private readonly written: Map<string, RunState> = new Map(),
  ) {}

  async get(id: string): Promise<Run> {
    const run = await this.ctx.store.getRun(id);
    if (run === undefined) throw runNotFound(id);
    return run;
  }

  /** The run's creation, then every change of its state (the store records them). */
  async history(id: string): Promise<RunTransition[]> {
    const run = await this.get(id);
    const changes = await this.ctx.store.runHistory(id);
    const created: RunTransition = {
      at: run.createdAt,
      from: null,
      to: changes[0]?.from ?? run.state,
      attempt: 1,
    };
    return [created, ...changes.map((c) => ({ ...c, at: new Date(c.at).toISOString() }))];
  }

  async wait(
    id: string,
    until: 'started' | 'finished',
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<Run> {
    const reached = (run: Run) =>
      until === 'finished'
        ? isTerminalRunState(run.state)
        : run.state !== 'pending' && run.state !== 'starting';
    const run = await this.ctx.notifier.waitFor(
      [topics.run(id)],
      waitMs,
      async () => {
        const current = await this.get(id);
        return reached(current) ? current : undefined;
      },
      signal,
    );
    return run ?? this.get(id);
  }

  list(filter: RunListFilter) {
    if (filter.cursor !== undefined && !RUN_CURSOR.test(filter.cursor)) {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `"${filter.cursor}" is not a cursor from a previous page of runs`,
        {
          hint: 'Pass the nextCursor of the previous page unchanged, or omit it to start from the newest run.',
        },
      );
    }
    return this.ctx.store.listRuns(filter);
  }

  /**
   * A page of runs and its digest; given the digest of the page the caller has, held until the page
   * differs (a run in it changed state, a new one came) or `waitMs` passes. Any run's change re-reads
   * the page, which costs one list query per watcher per change: watchers are people's browsers.
   */
  async watch(
    filter: RunListFilter,
    unless: string | undefined,
    waitMs: number,
    signal?: AbortSignal,
  ) {
    const { digest, value } = await watchDigest(
      this.ctx.notifier,
      [topics.anyRun],
      () => this.list(filter),
      { unless, waitMs, signal },
    );
    return { digest, page: value };
  }

  /**
   * An agent's report: the state change is decided from the run as last seen and written as a
   * compare-and-set on that state, so the common report is one store write (no read first); a run
   * changed meanwhile (a cancel, another replica) is read and the report decided again.
   */
  async updateStatus(id: string, report: RunStatusUpdate): Promise<Run> {
    let update = report;
    if (update.waiting !== undefined && update.state === 'starting') {
      await this.#appendLines(id, update);
      return this.#holdBack(id, update.fencingToken, update.waiting);
    }
    if (update.state === 'preempted') {
      const requeued = await this.#requeuePreempted(id, update);
      if (requeued !== undefined) return requeued;
      update = { ...update, lines: [] }; // Appended already; the run ends preempted after all.
    }
    let current = this.written.get(id) ?? (await this.get(id)).state;
    // Refused before anything is written (the lines included).
    let patch = this.#reportPatch(id, current, update);
    await this.#appendLines(id, update);
    for (;;) {
      const run = await this.ctx.store.updateRun(id, update.fencingToken, patch, current);
      if (run !== undefined) {
        this.#remember(run);
        this.ctx.notifier.notify(topics.run(id));
        if (isTerminalRunState(run.state)) this.ctx.notifier.notify(topics.logs(id));
        return run;
      }
      current = (await this.get(id)).state;
      patch = this.#reportPatch(id, current, update);
    }
  }

  async #appendLines(id: string, update: RunStatusUpdate): Promise<void> {
    if (update.lines === undefined || update.lines.length === 0) return;
    await this.ctx.store.appendLogs(
      id,
      update.fencingToken,
      update.lines,
      this.ctx.now(),
      this.ctx.logLimit,
      update.linesFrom,
    );
    this.ctx.notifier.notify(topics.logs(id));
  }

  /**
   * A starting run's engine holds it back: why, recorded for `run explain` (no state change). A
   * report that arrives after the run moved on (it runs, it is being stopped) changes nothing.
   */
  async #holdBack(id: string, fencingToken: string, waiting: RunWaiting): Promise<Run> {
    const run = await this.ctx.store.setRunWaiting(id, fencingToken, waiting);
    if (run === undefined) return this.get(id); // It moved on meanwhile: the reason is history.
    this.ctx.notifier.notify(topics.run(id));
    return run;
  }

  /**
   * Its engine took the run's program away (a Slurm job preempted, its node failed): back on its
   * queue as the next attempt when the queue's retry policy allows it (the lease sweeper's rule,
   * core/retry-policy.ts), else undefined and the run ends `preempted`. The report's lines are
   * appended first, while its token still owns the run.
   */
  async #requeuePreempted(id: string, update: RunStatusUpdate): Promise<Run | undefined> {
    const run = await this.get(id);
    if (!canTransition(run.state, 'preempted')) return undefined;
    const queueId = (await this.ctx.store.getRunOwner(id))?.queueId ?? null;
    const queue = queueId === null ? undefined : await this.ctx.store.getQueueById(queueId);
    if (!mayRetry(run, queue?.maxAttempts)) return undefined;
    await this.#appendLines(id, update);
    const why = update.failure?.message ?? 'its engine took the program away';
    const requeued = await this.ctx.store.requeueRun(id, update.fencingToken, {
      ifState: run.state,
      newToken: newFencingToken(),
      now: this.ctx.now(),
      line: `[tminus] ${why}; re-queued as attempt ${run.attempt + 1} of ${queue?.maxAttempts ?? 1}`,
    });
    if (requeued === undefined) return undefined;
    this.#remember(requeued);
    this.ctx.notifier.notify(topics.run(id));
    this.ctx.notifier.notify(topics.logs(id));
    if (run.queueItemId !== null) this.ctx.notifier.notify(topics.item(run.queueItemId));
    if (queueId !== null) this.ctx.notifier.notifyEach(topics.queue(queueId));
    return requeued;
  }

  #reportPatch(id: string, current: RunState, update: RunStatusUpdate): RunPatch {
    let state = update.state;
    // A run the user is stopping stays `stopping` until the agent reports how it ended.
    if (current === 'stopping' && (state === 'running' || state === 'starting')) state = 'stopping';
    // Its engine took it away while the user was stopping it: stopped, as asked (no retry).
    if (current === 'stopping' && state === 'preempted') state = 'stopped';
    if (!canTransition(current, state)) {
      throw new LaunchError('CONFLICT', `Run ${id} is ${current}; it cannot become ${state}`, {
        details: { from: current, to: state },
      });
    }
    const now = this.ctx.now();
    return {
      state,
      ...(update.exitCode === undefined ? {} : { exitCode: update.exitCode }),
      ...(update.failure === undefined ? {} : { failure: update.failure }),
      ...(update.sourceCommit === undefined ? {} : { sourceCommit: update.sourceCommit }),
      ...(update.config === undefined ? {} : { config: update.config }),
      ...(update.runDir === undefined ? {} : { runDir: update.runDir }),
      // The process did start, even if the run is being stopped meanwhile: its start time is a fact.
      ...(update.state === 'running' ? { startedAt: now } : {}),
      ...(isTerminalRunState(state) ? { finishedAt: now } : {}),
    };
  }

  /** Runs in flight are remembered as last written here; finished ones are not reported on again. */
  #remember(run: Run): void {
    if (isTerminalRunState(run.state)) this.written.delete(run.id);
    else this.written.set(run.id, run.state);
  }

  /** Idempotent: a pending/starting/running run goes `stopping`; the agent then ends it `stopped`. */
  async cancel(id: string): Promise<Run> {
    const run = await this.ctx.store.transitionRun(id, CANCELLABLE_STATES, { state: 'stopping' });
    if (run === undefined) return this.get(id);
    this.ctx.notifier.notify(topics.run(id));
    if (run.agentId !== null) this.ctx.notifier.notify(topics.agent(run.agentId));
    return run;
  }

  async appendLogs(
    id: string,
    fencingToken: string,
    lines: readonly { stream: 'stdout' | 'stderr' | 'system'; text: string }[],
    from?: number,
  ): Promise<AppendedLogs> {
    const appended = await this.ctx.store.appendLogs(
      id,
      fencingToken,
      lines,
      this.ctx.now(),
      this.ctx.logLimit,
      from,
    );
    this.ctx.notifier.notify(topics.logs(id));
    return appended;
  }

  /** Lines after `after`; with `waitMs`, held until a line arrives or the run ends. */
  async readLogs(
    id: string,
    after: number,
    limit: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<LogPage> {
    const read = async () => {
      const [lines, run] = await Promise.all([
        this.ctx.store.readLogs(id, after, limit),
        this.get(id),
      ]);
      return { lines, terminal: isTerminalRunState(run.state) };
    };
    const page =
      (await this.ctx.notifier.waitFor(
        [topics.logs(id)],
        waitMs,
        async () => {
          const result = await read();
          return result.lines.length > 0 || result.terminal ? result : undefined;
        },
        signal,
      )) ?? (await read());
    const last = page.lines.at(-1);
    return {
      lines: page.lines,
      next: last === undefined ? after : last.seq,
      done: page.terminal && page.lines.length < limit,
    };
  }

  /** A run the caller executes itself (`launch()`): recorded like any other, fenced by a token. */
  async createDirect(auth: AuthContext, input: LaunchSpec): Promise<DirectRunResponse> {
    const spec = structuredClone(input);
    const buildProblem = buildOptionsProblem(spec, spec.resource ?? 'local-process');
    if (buildProblem !== undefined) throw new LaunchError('INVALID_ARGUMENT', buildProblem);
    await this.enqueue.prepareSpec(auth, spec);
    const job = spec.job === undefined ? null : await this.jobs.resolve(auth.entity, spec.job);
    const fencingToken = newFencingToken();
    const now = this.ctx.now();
    const run = await this.ctx.store.createRun({
      id: spec.run_id ?? newRunId(),
      entity: spec.entity ?? auth.entity,
      project: spec.project ?? 'uncategorized',
      name: spec.name ?? null,
      queueItemId: null,
      queueId: null,
      job: spec.job ?? null,
      spec,
      config: spec.overrides?.run_config ?? {},
      agentId: null,
      fencingToken,
      state: 'pending',
      leaseExpiresAt: null,
      createdBy: launcherOf(auth),
      now,
    });
    this.ctx.notifier.notify(topics.run(run.id));
    return { run, fencingToken, job };
  }
}
