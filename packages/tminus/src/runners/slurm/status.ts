/**
 * @module Slurm's view of a job, mapped to tminus's (pure): `squeue` and `sacct` lines parsed into a
 * `JobStatus`; a job state into a phase (held, running, ended); an ended job into a `ProgramExit`
 * with the reason tminus reports (`timeout`, `oom_killed`, `preempted`, …); a pending job's reason
 * into a `Waiting` a person understands.
 */
import { constants } from 'node:os';

import type { ProgramExit, Waiting } from '../runner.js';

/** What tminus reads of a job. */
export interface JobStatus {
  readonly id: string;
  /** The base state: `CANCELLED`, not `CANCELLED by 0`. */
  readonly state: string;
  /** Why it is in that state (`Resources`, `Priority`, `TimeLimit`, or a sentence), `None` when no reason. */
  readonly reason: string;
  /** How the batch script ended: its exit code, or the signal that killed it; null while it runs. */
  readonly exit: { readonly code: number; readonly signal: number } | null;
  /** The output and error file names as submitted (`%j` not expanded); empty when unknown. */
  readonly stdout: string;
  readonly stderr: string;
  /** The job's working directory; empty when unknown. */
  readonly workDir: string;
  readonly name: string;
  readonly comment: string;
}

/** `squeue --Format` fields, `|`-separated; the comment (free text) last. */
export const SQUEUE_FIELDS =
  'JobID:|,State:|,Reason:|,exit_code:|,STDOUT:|,STDERR:|,WorkDir:|,Name:|,Comment:';
/** `sacct --format` fields with `--parsable2` (`|`-separated); the reason (free text) last. */
export const SACCT_FIELDS = 'JobID,State,ExitCode,Reason';

function baseState(state: string): string {
  return state.trim().split(/\s+/)[0] ?? '';
}

/** Lines of `squeue -h --states=all -O SQUEUE_FIELDS`. */
export function parseSqueue(text: string): JobStatus[] {
  const jobs: JobStatus[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split('|');
    if (fields.length < 9) continue;
    const [
      id = '',
      state = '',
      reason = '',
      exitCode = '',
      stdout = '',
      stderr = '',
      workDir = '',
    ] = fields.map((f) => f.trim());
    if (!/^\d+$/.test(id)) continue;
    const status = Number(exitCode);
    const ended = phaseOf(baseState(state)) === 'ended';
    jobs.push({
      id,
      state: baseState(state),
      reason,
      // A wait status, as the batch script's parent saw it: exit code in the high byte, signal low.
      exit:
        ended && Number.isInteger(status)
          ? { code: (status >> 8) & 0xff, signal: status & 0x7f }
          : null,
      stdout,
      stderr,
      workDir,
      name: fields[7]?.trim() ?? '',
      comment: fields.slice(8).join('|').trim(),
    });
  }
  return jobs;
}

/** The job's own line of `sacct -X -n -P -j ID -o SACCT_FIELDS` (ExitCode as `code:signal`). */
export function parseSacct(text: string, id: string): JobStatus | undefined {
  for (const line of text.split('\n')) {
    const [jobId, state = '', exitCode = '', ...reason] = line.split('|');
    if (jobId?.trim() !== id) continue;
    const [code, signal] = exitCode.split(':').map(Number);
    return {
      id,
      state: baseState(state),
      reason: reason.join('|').trim() || 'None',
      exit:
        Number.isInteger(code) && Number.isInteger(signal)
          ? { code: code!, signal: signal! }
          : null,
      stdout: '',
      stderr: '',
      workDir: '',
      name: '',
      comment: '',
    };
  }
  return undefined;
}

export type Phase = 'held' | 'running' | 'ended';

const HELD = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
]);
const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'SPECIAL_EXIT',
  'REVOKED',
]);

/**
 * Held: not started yet. Ended: final (COMPLETING is not: the job's processes are being cleaned up
 * and its record is not final yet). Anything else — RUNNING, SUSPENDED, COMPLETING, … — has started.
 */
export function phaseOf(state: string): Phase {
  if (HELD.has(state)) return 'held';
  return ENDED.has(state) ? 'ended' : 'running';
}

function signalName(signo: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signo);
  return entry === undefined ? null : (entry[0] as NodeJS.Signals);
}

/** How an ended job ended, for the run's report. */
export function exitOf(job: JobStatus): ProgramExit {
  const { code = 0, signal: signo = 0 } = job.exit ?? {};
  const signal = signo === 0 ? null : signalName(signo);
  const base = { exitCode: signo === 0 ? code : 128 + signo, signal };
  const by = signal === null ? `exit code ${code}` : `${signal}`;
  switch (job.state) {
    case 'COMPLETED':
      return base;
    case 'FAILED':
      // A nonzero exit of the program is the ordinary failure; anything else Slurm explains.
      return job.reason === 'NonZeroExitCode' || base.exitCode !== 0
        ? base
        : {
            ...base,
            reason: 'slurm_failed',
            message: `Slurm ended job ${job.id} as FAILED (${job.reason}) before the program ran`,
          };
    case 'TIMEOUT':
      return {
        ...base,
        reason: 'timeout',
        message: `Slurm ended job ${job.id} at its time limit (${by}); ask for more time with resource_args.slurm.time`,
      };
    case 'DEADLINE':
      return {
        ...base,
        reason: 'timeout',
        message: `Slurm ended job ${job.id} at its deadline (${by})`,
      };
    case 'OUT_OF_MEMORY':
      return {
        ...base,
        reason: 'oom_killed',
        message: `Slurm ended job ${job.id}: it used more memory than it was given; ask for more with resource_args.slurm.mem`,
      };
    case 'CANCELLED':
      return {
        ...base,
        reason: 'cancelled',
        message: `Slurm job ${job.id} was cancelled outside tminus (scancel or an administrator)`,
      };
    case 'PREEMPTED':
      return {
        ...base,
        reason: 'preempted',
        message: `Slurm preempted job ${job.id} for a job with a higher priority`,
      };
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
      return {
        ...base,
        reason: 'node_fail',
        message: `Slurm ended job ${job.id}: ${job.state === 'BOOT_FAIL' ? 'its node failed to boot' : 'a node it ran on failed'}`,
      };
    default:
      return {
        ...base,
        reason: `slurm_${job.state.toLowerCase()}`,
        message: `Slurm ended job ${job.id} as ${job.state} (${job.reason})`,
      };
  }
}

/** A job Slurm no longer knows (it ended long ago and no accounting keeps its record). */
export function lostExit(jobId: string): ProgramExit {
  return {
    exitCode: 1,
    signal: null,
    reason: 'slurm_job_lost',
    message: `Slurm no longer knows job ${jobId} (it ended more than MinJobAge ago and the cluster keeps no accounting), so how it ended is unknown`,
  };
}

/** Slurm's reasons for holding a job back, in words (reason codes as squeue and scontrol print them). */
const REASONS: Readonly<Record<string, string>> = {
  Priority: 'jobs with a higher priority are ahead of it in Slurm’s queue',
  Resources:
    'the CPUs, memory, GPUs or nodes it asks for are in use by other jobs; it starts when they are free',
  ReqNodeNotAvail:
    'the nodes that could run it are down, drained or reserved; it starts when one is back — or ask for less (memory, CPUs, GPUs) so that another node fits',
  NodeDown: 'a node it needs is down',
  BadConstraints: 'no node satisfies what it asks for',
  Dependency: 'it waits for the jobs it depends on to end',
  DependencyNeverSatisfied: 'a job it depends on ended in a way that means it will never start',
  BeginTime: 'its start time (--begin) has not come yet',
  JobHeldUser: 'it is held by its user (scontrol release lets it go)',
  JobHeldAdmin: 'an administrator holds it',
  PartitionDown: 'its partition is down',
  PartitionInactive: 'its partition is inactive',
  PartitionNodeLimit: 'it asks for more (or fewer) nodes than its partition allows',
  PartitionTimeLimit: 'its time limit is longer than its partition allows',
  Reservation: 'it waits for its reservation to begin',
  Licenses: 'the licenses it needs are in use',
  InvalidAccount: 'its account is not valid; it will not start',
  InvalidQOS: 'its quality of service (QOS) is not valid; it will not start',
  QOSMaxMemoryPerJob:
    'it asks for more memory than its quality of service (QOS) allows one job; it will not start unless it asks for less',
  QOSMaxCpuPerJobLimit:
    'it asks for more CPUs than its quality of service (QOS) allows one job; it will not start unless it asks for fewer',
  QOSMaxGRESPerJob:
    'it asks for more GPUs or other generic resources than its quality of service (QOS) allows one job',
  QOSMaxNodePerJobLimit:
    'it asks for more nodes than its quality of service (QOS) allows one job; it will not start unless it asks for fewer',
  QOSMaxWallDurationPerJobLimit:
    'its time limit is longer than its quality of service (QOS) allows; it will not start unless it asks for less time',
  QOSMaxJobsPerUserLimit:
    'its user has as many jobs running as the quality of service (QOS) allows; it starts when one of them ends',
  AssocMaxJobsLimit:
    'its account has as many jobs running as it is allowed; it starts when one of them ends',
  launch_failed_requeued_held:
    'Slurm could not launch it and holds it; an administrator must release it',
};

/** Sentences Slurm prints instead of a reason code, by the code they stand for. */
const DESCRIPTIONS: readonly (readonly [RegExp, string])[] = [
  [/^Nodes required for job are DOWN, DRAINED/i, 'ReqNodeNotAvail'],
  [/^ReqNodeNotAvail\b/, 'ReqNodeNotAvail'],
];

function reasonCode(reason: string): string {
  const text = reason.replace(/_/g, ' ').trim();
  for (const [pattern, code] of DESCRIPTIONS) if (pattern.test(text)) return code;
  return reason.trim();
}

/** Why Slurm holds a job back, in words; undefined when it does not say (yet). */
export function waitingOf(job: JobStatus): Waiting | undefined {
  if (phaseOf(job.state) !== 'held') return undefined;
  if (job.state === 'CONFIGURING')
    return {
      reason: 'Configuring',
      message: `Slurm job ${job.id} is pending: its nodes are being booted or set up`,
    };
  const reason = reasonCode(job.reason);
  if (reason === '' || reason === 'None') return undefined;
  const words =
    REASONS[reason] ??
    (/^QOS/.test(reason)
      ? `a limit of its quality of service (QOS) holds it back (${reason})`
      : /^Assoc/.test(reason)
        ? `a limit of its account holds it back (${reason})`
        : `Slurm holds it back: ${job.reason.replace(/_/g, ' ')}`);
  return { reason, message: `Slurm job ${job.id} is pending: ${words}` };
}
