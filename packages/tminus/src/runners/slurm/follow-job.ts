/**
 * @module A submitted Slurm job as a `RunningProgram`: its state followed through `JobWatch` (held
 * with Slurm's reason → `onWaiting`, started → `running`, ended → `exited`), its output and error
 * files tailed line by line while it runs and read to the end once it has ended, and the offsets
 * reached written beside them so that a restarted agent resumes where this one stopped.
 * Stopping asks first (`scancel --signal=TERM --full`) and cancels after the grace period.
 */
import { readFile, writeFile } from 'node:fs/promises';

import type { ProgramEvents, ProgramExit, RunningProgram, Waiting } from '../runner.js';
import type { SlurmCommands } from './commands.js';
import type { JobWatch } from './job-watch.js';
import { OutputTail } from './output-tail.js';
import { exitOf, lostExit, phaseOf, type JobStatus, waitingOf } from './status.js';

export const SLURM = 'slurm';

export interface JobFiles {
  readonly stdout: string;
  readonly stderr: string;
  /** Where the offsets reached in both files are kept (JSON). */
  readonly offsets: string;
}

interface Offsets {
  readonly stdout: number;
  readonly stderr: number;
}

/** The offsets a previous follower of the job reached, or the files' beginnings. */
export async function readOffsets(path: string): Promise<Offsets> {
  try {
    const raw = JSON.parse(await readFile(path, 'utf8')) as Partial<Offsets>;
    const at = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0);
    return { stdout: at(raw.stdout), stderr: at(raw.stderr) };
  } catch {
    return { stdout: 0, stderr: 0 };
  }
}

export interface FollowContext {
  readonly commands: SlurmCommands;
  readonly watch: JobWatch;
  /** Called once the job has ended and its output has been read (e.g. to remove its source copy). */
  readonly onEnded?: () => Promise<void>;
  /** The agent's log, for trouble reaching Slurm (said once until it answers again). */
  readonly log?: (line: string) => void;
}

export function followJob(
  ctx: FollowContext,
  jobId: string,
  files: JobFiles,
  start: Offsets,
  events: ProgramEvents,
): RunningProgram {
  const out = new OutputTail(files.stdout, (t) => events.onLine('stdout', t), start.stdout);
  const err = new OutputTail(files.stderr, (t) => events.onLine('stderr', t), start.stderr);
  const separate = files.stderr !== files.stdout;
  let saved = start;

  let markRunning: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  let markExited: (exit: ProgramExit) => void = () => undefined;
  const exited = new Promise<ProgramExit>((resolve) => (markExited = resolve));
  let phase: 'held' | 'running' | 'ended' = 'held';
  let waiting: Waiting | undefined;

  const readOutput = async () => {
    const read = await Promise.all([out.read(), separate ? err.read() : false]);
    if (!read.some(Boolean)) return;
    const now = { stdout: out.offset, stderr: err.offset };
    if (now.stdout === saved.stdout && now.stderr === saved.stderr) return;
    saved = now;
    await writeFile(files.offsets, JSON.stringify(now), { mode: 0o600 }).catch(() => undefined);
  };

  const end = async (exit: ProgramExit) => {
    phase = 'ended';
    stopFollowing();
    markRunning(); // it did run, or never will: nothing waits on it any more
    await readOutput().catch(() => undefined);
    out.end();
    if (separate) err.end();
    await ctx.onEnded?.().catch(() => undefined);
    markExited(exit);
  };

  const onStatus = async (status: JobStatus | undefined) => {
    if (phase === 'ended') return;
    if (status === undefined) {
      // Forgotten by the controller (MinJobAge passed): accounting may still know how it ended.
      const record = await ctx.commands.sacct(jobId);
      return end(
        record !== undefined && phaseOf(record.state) === 'ended'
          ? exitOf(record)
          : lostExit(jobId),
      );
    }
    const now = phaseOf(status.state);
    if (now === 'held') {
      const held = waitingOf(status);
      if (held !== undefined && held.reason !== waiting?.reason) {
        waiting = held;
        events.onWaiting?.(held);
      }
      return;
    }
    if (phase === 'held') {
      phase = 'running';
      markRunning();
    }
    if (now === 'ended') return end(exitOf(status));
    await readOutput();
  };

  let troubled = false;
  const stopFollowing = ctx.watch.follow(jobId, {
    onStatus: async (status) => {
      troubled = false;
      await onStatus(status);
    },
    onError: (error) => {
      if (!troubled)
        ctx.log?.(`Slurm job ${jobId}: cannot read its state (${error.message}); trying again`);
      troubled = true;
    },
  });

  return {
    ref: { resource: SLURM, id: jobId },
    running,
    exited,
    async stop(graceMs) {
      if (phase === 'held') await ctx.commands.cancel(jobId).catch(() => undefined);
      else {
        await ctx.commands.signal(jobId, 'TERM').catch(() => undefined);
        const timer = setTimeout(
          () => void ctx.commands.cancel(jobId).catch(() => undefined),
          graceMs,
        );
        void exited.then(() => clearTimeout(timer));
      }
      return exited;
    },
  };
}
