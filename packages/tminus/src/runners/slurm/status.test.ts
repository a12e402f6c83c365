import { describe, expect, it } from 'vitest';

import {
  exitOf,
  type JobStatus,
  lostExit,
  parseSacct,
  parseSqueue,
  phaseOf,
  waitingOf,
} from './status.js';

const job = (state: string, reason = 'None', exit: JobStatus['exit'] = null): JobStatus => ({
  id: '42',
  state,
  reason,
  exit,
  stdout: '',
  stderr: '',
  workDir: '',
  name: 'tminus-r1',
  comment: '',
});

describe('squeue and sacct lines', () => {
  it('reads squeue --Format lines: wait status, files, a comment with "|" in it', () => {
    const text = [
      '7|FAILED|NonZeroExitCode|768|/s/logs/r1.1.%j.out|/s/logs/r1.1.%j.err|/s/r1/src|tminus-r1|tminus run r1 attempt 1',
      '8|CANCELLED by 0|None|9|/s/o|/s/e|/w|other|a|b',
      '9|PENDING|Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions|0|/o|/e|/w|n|',
      'slurm_load_jobs error: something',
      '',
    ].join('\n');
    const [failed, cancelled, pending, ...rest] = parseSqueue(text);
    expect(rest).toEqual([]);
    expect(failed).toEqual({
      id: '7',
      state: 'FAILED',
      reason: 'NonZeroExitCode',
      exit: { code: 3, signal: 0 },
      stdout: '/s/logs/r1.1.%j.out',
      stderr: '/s/logs/r1.1.%j.err',
      workDir: '/s/r1/src',
      name: 'tminus-r1',
      comment: 'tminus run r1 attempt 1',
    });
    expect(cancelled).toMatchObject({
      state: 'CANCELLED',
      exit: { code: 0, signal: 9 },
      comment: 'a|b',
    });
    expect(pending).toMatchObject({ state: 'PENDING', exit: null });
  });

  it('reads the job line of sacct -P (ExitCode as code:signal), not its steps', () => {
    const text = '42|CANCELLED by 0|0:15|None\n42.batch|CANCELLED|0:15|\n';
    expect(parseSacct(text, '42')).toMatchObject({
      state: 'CANCELLED',
      exit: { code: 0, signal: 15 },
      reason: 'None',
    });
    expect(parseSacct('Slurm accounting storage is disabled\n', '42')).toBeUndefined();
  });
});

describe('job states', () => {
  it.each([
    ['PENDING', 'held'],
    ['CONFIGURING', 'held'],
    ['REQUEUE_HOLD', 'held'],
    ['RUNNING', 'running'],
    ['SUSPENDED', 'running'],
    ['COMPLETING', 'running'],
    ['COMPLETED', 'ended'],
    ['TIMEOUT', 'ended'],
    ['PREEMPTED', 'ended'],
    ['NODE_FAIL', 'ended'],
  ])('%s is %s', (state, phase) => {
    expect(phaseOf(state)).toBe(phase);
  });

  it.each<[string, string, JobStatus['exit'], Partial<ReturnType<typeof exitOf>>]>([
    ['COMPLETED', 'None', { code: 0, signal: 0 }, { exitCode: 0, signal: null }],
    ['FAILED', 'NonZeroExitCode', { code: 3, signal: 0 }, { exitCode: 3, signal: null }],
    ['FAILED', 'None', { code: 0, signal: 9 }, { exitCode: 137, signal: 'SIGKILL' }],
    ['FAILED', 'JobLaunchFailure', { code: 0, signal: 0 }, { exitCode: 0, reason: 'slurm_failed' }],
    ['TIMEOUT', 'TimeLimit', { code: 0, signal: 15 }, { exitCode: 143, reason: 'timeout' }],
    ['DEADLINE', 'None', { code: 0, signal: 15 }, { reason: 'timeout' }],
    [
      'OUT_OF_MEMORY',
      'OutOfMemory',
      { code: 0, signal: 9 },
      { exitCode: 137, reason: 'oom_killed' },
    ],
    ['CANCELLED', 'None', { code: 0, signal: 9 }, { exitCode: 137, reason: 'cancelled' }],
    ['PREEMPTED', 'None', { code: 0, signal: 15 }, { reason: 'preempted' }],
    ['NODE_FAIL', 'None', { code: 0, signal: 0 }, { reason: 'node_fail' }],
    ['BOOT_FAIL', 'None', null, { reason: 'node_fail' }],
    ['REVOKED', 'None', null, { reason: 'slurm_revoked' }],
  ])('%s (%s, %j) ends as %j', (state, reason, exit, expected) => {
    expect(exitOf(job(state, reason, exit))).toMatchObject(expected);
  });

  it('says why in a message for every end that is not the program’s own', () => {
    expect(exitOf(job('TIMEOUT', 'TimeLimit', { code: 0, signal: 15 })).message).toBe(
      'Slurm ended job 42 at its time limit (SIGTERM); ask for more time with resource_args.slurm.time',
    );
    expect(exitOf(job('OUT_OF_MEMORY')).message).toContain('resource_args.slurm.mem');
    expect(exitOf(job('PREEMPTED')).message).toContain('preempted');
    expect(lostExit('42')).toMatchObject({ reason: 'slurm_job_lost' });
    expect(exitOf(job('COMPLETED', 'None', { code: 0, signal: 0 })).message).toBeUndefined();
  });
});

describe('why a job is pending', () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    ['PENDING', 'None', undefined, undefined],
    ['RUNNING', 'None', undefined, undefined],
    ['PENDING', 'Resources', 'Resources', 'are in use by other jobs'],
    ['PENDING', 'Priority', 'Priority', 'higher priority are ahead of it'],
    [
      'PENDING',
      'Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions',
      'ReqNodeNotAvail',
      'down, drained or reserved',
    ],
    [
      'PENDING',
      'Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions',
      'ReqNodeNotAvail',
      'down, drained or reserved',
    ],
    ['PENDING', 'ReqNodeNotAvail, UnavailableNodes:gpu[01-02]', 'ReqNodeNotAvail', 'down, drained'],
    [
      'PENDING',
      'QOSMaxMemoryPerJob',
      'QOSMaxMemoryPerJob',
      'more memory than its quality of service',
    ],
    [
      'PENDING',
      'QOSGrpGRES',
      'QOSGrpGRES',
      'a limit of its quality of service (QOS) holds it back (QOSGrpGRES)',
    ],
    ['PENDING', 'AssocGrpCPULimit', 'AssocGrpCPULimit', 'a limit of its account holds it back'],
    ['PENDING', 'SomethingNew', 'SomethingNew', 'Slurm holds it back: SomethingNew'],
    ['CONFIGURING', 'None', 'Configuring', 'being booted or set up'],
  ])('%s with %s', (state, reason, code, words) => {
    const waiting = waitingOf(job(state, reason));
    expect(waiting?.reason).toBe(code);
    if (words !== undefined) {
      expect(waiting?.message).toContain(words);
      expect(waiting?.message).toMatch(/^Slurm job 42 is pending: /);
    }
  });
});
