/**
 * @module The agent: registers, long-polls its queues for work (no fixed sleep), runs each claimed
 * item concurrently up to `maxJobs`, heartbeats all its runs in one call, and obeys cancel.
 */
import { rm } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';

import { type Api, LaunchError } from '@tminus/sdk';
import type { Lease } from '@tminus/sdk/protocol';

import type { ProgramEvents, RunningProgram } from '../runners/runner.js';
import { type RunnerSet, runnerSet } from '../runners/runner-set.js';
import {
  adoptRun,
  executeRun,
  type RunExecution,
  stageSource,
  type StagedSource,
} from './execute-run.js';
import { newRunId } from '../core/run-id.js';
import { TMINUS_VERSION } from '../lib/defaults.js';
import { createApiReporter, linesReceived, withRetries } from './run-reporter.js';
import { type JournalEntry, RunJournal } from './run-journal.js';
import { resolveRunIsolation, type RunIsolationOptions } from './run-isolation.js';
import { DEFAULT_RUN_DIR_POLICY, type RunDirPolicy, RunDirRetention } from './run-dirs.js';
import { runIdProblem } from './work-paths.js';

export interface AgentOptions extends RunIsolationOptions {
  readonly api: Api;
  readonly entity?: string;
  readonly queues: readonly string[];
  /** -1 = unlimited (W&B); default 1. */
  readonly maxJobs: number;
  /** W&B's stopped_run_timeout. @default 60_000 */
  readonly stopGraceMs: number;
  readonly cacheDir: string;
  readonly workDir: string;
  readonly hostname?: string;
  readonly log?: (line: string) => void;
  readonly verbosity?: number;
  /** @default 5_000 */
  readonly heartbeatMs?: number;
  /** The runners this agent has, by resource. @default the local-process runner only */
  readonly runners?: RunnerSet;
  /** How long ended runs' directories are kept. @default DEFAULT_RUN_DIR_POLICY (a week, 20 GiB) */
  readonly runDirPolicy?: RunDirPolicy;
}

export interface RunningAgent {
  readonly id: string;
  /** Stops claiming, stops its runs (SIGTERM, then SIGKILL after the grace period) and waits. */
  stop(): Promise<void>;
  /** Resolves once `stop()` has finished. */
  readonly done: Promise<void>;
}

export const AGENT_VERSION = TMINUS_VERSION;

interface ActiveRun {
  readonly runId: string;
  readonly fencingToken: string;
  readonly execution: RunExecution;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { api } = options;
  const log = options.log ?? (() => undefined);
  // Before registering: a mistake in these options stops the agent before it takes any work.
  const isolation = await resolveRunIsolation(options, options, log);
  const agent = await api.request('registerAgent', {
    body: {
      ...(options.entity === undefined ? {} : { entity: options.entity }),
      queues: [...options.queues],
      hostname: options.hostname ?? osHostname(),
      maxJobs: options.maxJobs,
      version: AGENT_VERSION,
    },
  });
  const runners = options.runners ?? runnerSet();
  const journal = new RunJournal(options.workDir);
  const runDirs = new RunDirRetention(
    options.workDir,
    options.runDirPolicy ?? DEFAULT_RUN_DIR_POLICY,
    log,
  );
  await runDirs.sweep();
  const orphans = journal.orphans();
  log(
    `agent ${agent.id} polling on queues ${agent.queues.join(', ')} (max jobs ${options.maxJobs === -1 ? 'unlimited' : options.maxJobs})`,
  );
  const active = new Map<string, ActiveRun>();
  const cancelling = new Set<string>();
  const cancelRun = (id: string) => {
    const run = active.get(id);
    if (run === undefined || cancelling.has(id)) return;
    cancelling.add(id);
    log(`run ${id}: stop requested`);
    void run.execution.cancel().finally(() => cancelling.delete(id));
  };
  const queues = [...agent.queues];
  const stopController = new AbortController();
  let wakeCapacity: () => void = () => undefined;
  // Slots are taken when a lease arrives, not when its run is registered: the loop claims again at once.
  const leases = new Set<Promise<void>>();
  const capacity = () => options.maxJobs === -1 || leases.size < options.maxJobs;
  const debug = (options.verbosity ?? 0) >= 1 ? log : () => undefined;

  const heartbeat = async () => {
    const runs = [...active.values()].map((r) => ({
      runId: r.runId,
      fencingToken: r.fencingToken,
    }));
    const answer = await api.request('heartbeat', {
      params: { id: agent.id },
      body: { status: runs.length ? 'running' : 'polling', runs },
    });
    for (const id of answer.cancel) cancelRun(id);
    for (const id of answer.lost) {
      log(`run ${id} is owned elsewhere now; stopping it here`);
      void active.get(id)?.execution.abandon();
    }
  };
  // Heartbeat well inside the lease: at most a third of it, learned from the leases handed out.
  // It goes on while the agent stops, until its runs have ended, so their leases do not lapse.
  let heartbeatMs = options.heartbeatMs ?? 5_000;
  let beating = true;
  let beatInFlight = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    if (beating) timer = setTimeout(tick, heartbeatMs);
  };
  const tick = () => {
    beatInFlight = true;
    void heartbeat()
      .catch((error: unknown) => debug(`heartbeat failed: ${messageOf(error)}`))
      .finally(() => {
        beatInFlight = false;
        schedule();
      });
  };
  schedule();
  const fitHeartbeatTo = (lease: Lease) => {
    const third = Math.max(50, (Date.parse(lease.leaseExpiresAt) - Date.now()) / 3);
    if (third >= heartbeatMs) return;
    heartbeatMs = third;
    if (!beatInFlight) schedule(); // The pending beat may be due after this lease lapses.
  };

  const runLease = async (lease: Lease) => {
    const { item, fencingToken, job } = lease;
    fitHeartbeatTo(lease);
    // Stopping: leave the item un-acked; its lease lapses and it goes back to pending for another agent.
    if (stopController.signal.aborted) return;
    const failLease = (message: string) =>
      api
        .request('failItem', {
          params: { id: item.id },
          body: { fencingToken, stage: 'agent', message },
        })
        .catch(() => undefined);
    // A retried item keeps its run id (attempt N+1 of the same run).
    const runId = item.runId ?? item.spec.run_id ?? newRunId();
    // It names the run's directory and journal file: a bad one is refused before anything is written.
    const badRunId = runIdProblem(runId);
    if (badRunId !== undefined) {
      log(`refusing ${item.id}: ${badRunId}`);
      await failLease(badRunId);
      return;
    }
    // The source is prepared while the ack travels; the process starts only once the ack is in.
    const staged = stageSource(
      {
        api,
        job,
        spec: item.spec,
        cacheDir: options.cacheDir,
        workDir: options.workDir,
        isolation,
      },
      runId,
    );
    let run;
    try {
      // Retried while the server is unreachable, for as long as the lease lasts: a repeated ack is
      // answered with the same run, so an ack whose answer was lost (replica killed, server restarted)
      // does not leave its run stranded in `starting`.
      const leaseLeftMs = Date.parse(lease.leaseExpiresAt) - Date.now();
      run = await withRetries(
        () => api.request('ackItem', { params: { id: item.id }, body: { fencingToken, runId } }),
        leaseLeftMs,
      );
    } catch (error) {
      log(`could not acknowledge ${item.id}: ${messageOf(error)}`);
      // CONFLICT (e.g. its run_id is taken): the item can never be acked, so fail it rather than let
      // its lease lapse and hand it out again forever. STALE_TOKEN: someone else has it; drop it.
      if (error instanceof LaunchError && error.code === 'CONFLICT') await failLease(error.message);
      await discard(staged);
      return;
    }
    if (run.id !== runId) {
      log(
        `the server acknowledged ${item.id} as run ${JSON.stringify(run.id)}, not ${runId}; not running it`,
      );
      await discard(staged);
      return;
    }
    log(`run ${run.id} (${item.id}) starting`);
    const execution = executeRun({
      api,
      reporter: createApiReporter(api, run.id, fencingToken),
      run,
      fencingToken,
      job,
      spec: item.spec,
      queueEntity: item.entity,
      cacheDir: options.cacheDir,
      workDir: options.workDir,
      stopGraceMs: options.stopGraceMs,
      isolation,
      runners,
      runDirs,
      log,
      staged,
      onStarted: (ref) => journal.record({ runId: run.id, fencingToken, ref }),
    });
    await follow(run.id, fencingToken, execution);
  };

  /** Keeps a run in the heartbeat until it ends, then forgets it. */
  const follow = async (runId: string, fencingToken: string, execution: RunExecution) => {
    active.set(runId, { runId, fencingToken, execution });
    if (stopController.signal.aborted) cancelRun(runId);
    const outcome = await execution.done;
    journal.forget(runId);
    active.delete(runId);
    log(
      `run ${runId} ${outcome.state}${outcome.exitCode === null ? '' : ` (exit code ${outcome.exitCode})`}`,
    );
  };

  // Runs a dead predecessor on this machine left: followed again where the runner can re-attach.
  const adopted: Promise<void>[] = [];
  for (const orphan of orphans) {
    const execution = await adoptRun({
      runId: orphan.runId,
      reporter: createApiReporter(api, orphan.runId, orphan.fencingToken),
      stopGraceMs: options.stopGraceMs,
      log,
      // Refused (the run is no longer this token's): the first report finds that out and stops it.
      firstLine: await linesReceived(api, orphan.runId, orphan.fencingToken).catch(() => 0),
      attach: (events) => reattach(runners, orphan, events, log),
    });
    if (execution === undefined) {
      await reportOrphan(api, orphan, log);
      journal.forget(orphan.runId);
      continue;
    }
    log(`run ${orphan.runId}: left by a previous agent; re-attached to ${orphan.ref.id}`);
    adopted.push(follow(orphan.runId, orphan.fencingToken, execution));
  }

  const loop = async () => {
    let backoff = 500;
    while (!stopController.signal.aborted) {
      if (!capacity()) {
        await new Promise<void>((resolve) => (wakeCapacity = resolve));
        continue;
      }
      try {
        const { lease, cancel } = await api.request(
          'claim',
          {
            params: { id: agent.id },
            body: { queues, waitMs: 25_000, cancelling: [...cancelling], active: leases.size },
          },
          { signal: stopController.signal },
        );
        backoff = 500;
        for (const id of cancel) cancelRun(id);
        if (lease === null) continue;
        debug(`claimed ${lease.item.id} from queue ${lease.item.queue}`);
        // W&B's fairness: the queue that just gave work goes to the end of the list.
        const at = queues.indexOf(lease.item.queue);
        if (at !== -1 && queues.length > 1) queues.push(...queues.splice(at, 1));
        const task: Promise<void> = runLease(lease)
          .catch((error: unknown) =>
            log(`run of ${lease.item.id} failed in the agent: ${messageOf(error)}`),
          )
          .finally(() => {
            leases.delete(task);
            wakeCapacity();
          });
        leases.add(task);
      } catch (error) {
        if (stopController.signal.aborted) break;
        // The server may be restarting: back off (jittered, so agents do not return in step) and retry.
        log(`claim failed (${messageOf(error)}); retrying in ${backoff} ms`);
        await new Promise((r) => setTimeout(r, backoff * (0.5 + Math.random())));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  };
  const polling = loop();

  let stopped: Promise<void> | undefined;
  const shutdown = () =>
    (stopped ??= (async () => {
      stopController.abort();
      wakeCapacity();
      await polling;
      for (const id of active.keys()) cancelRun(id);
      await Promise.all([...leases, ...adopted]);
      beating = false;
      clearTimeout(timer);
      await api
        .request('heartbeat', { params: { id: agent.id }, body: { status: 'killed', runs: [] } })
        .catch(() => undefined);
    })());
  let markDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (markDone = resolve));

  return {
    id: agent.id,
    done,
    async stop() {
      await shutdown();
      markDone();
    },
  };
}

/** Drops the source of a run that will not execute. */
async function discard(staged: StagedSource): Promise<void> {
  await staged.ready.catch(() => undefined);
  await rm(staged.dir, { recursive: true, force: true }).catch(() => undefined);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The program an orphan's runner can follow again, or undefined (it was stopped, or is gone). */
async function reattach(
  runners: RunnerSet,
  orphan: JournalEntry,
  events: ProgramEvents,
  log: (line: string) => void,
): Promise<RunningProgram | undefined> {
  const runner = runners.get(orphan.ref.resource);
  if (runner === undefined) {
    log(
      `run ${orphan.runId}: left by a previous agent on resource ${orphan.ref.resource}, which this agent does not run`,
    );
    return undefined;
  }
  return runner.reattach(orphan.ref, events).catch((error: unknown) => {
    log(`run ${orphan.runId}: could not re-attach (${messageOf(error)})`);
    return undefined;
  });
}

/** A run whose program a dead predecessor left and no runner could follow: reported crashed. */
async function reportOrphan(
  api: Api,
  orphan: JournalEntry,
  log: (line: string) => void,
): Promise<void> {
  await api
    .request('updateRunStatus', {
      params: { id: orphan.runId },
      body: {
        fencingToken: orphan.fencingToken,
        state: 'crashed',
        failure: {
          stage: 'agent',
          reason: 'agent_restarted',
          message: 'The agent running this run was restarted; its process was stopped',
        },
      },
    })
    .then(() => log(`run ${orphan.runId}: left by a previous agent; stopped and reported crashed`))
    .catch(() => undefined); // Already re-queued or ended by lease expiry: nothing to report.
}
