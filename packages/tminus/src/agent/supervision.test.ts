import { describe, expect, it } from 'vitest';

import type { ProgramExit } from '../runners/runner.js';
import { terminalUpdate } from './supervision.js';

describe('the report a program’s end means', () => {
  it.each<[string, ProgramExit, boolean, ReturnType<typeof terminalUpdate>]>([
    ['exit 0', { exitCode: 0, signal: null }, false, { state: 'finished', exitCode: 0 }],
    [
      'a nonzero exit',
      { exitCode: 3, signal: null },
      false,
      {
        state: 'failed',
        exitCode: 3,
        failure: { stage: 'run', reason: 'exit_code', message: 'Process exited with code 3' },
      },
    ],
    [
      'any end after a cancel',
      { exitCode: 137, signal: 'SIGKILL' },
      true,
      { state: 'stopped', exitCode: 137 },
    ],
    [
      'the engine’s time limit',
      {
        exitCode: 143,
        signal: 'SIGTERM',
        reason: 'timeout',
        message: 'Slurm ended job 7 at its time limit',
      },
      false,
      {
        state: 'failed',
        exitCode: 143,
        failure: {
          stage: 'run',
          reason: 'timeout',
          message: 'Slurm ended job 7 at its time limit',
        },
      },
    ],
    [
      'preempted by the engine',
      { exitCode: 143, signal: 'SIGTERM', reason: 'preempted', message: 'Slurm preempted job 7' },
      false,
      {
        state: 'preempted',
        exitCode: 143,
        failure: { stage: 'run', reason: 'preempted', message: 'Slurm preempted job 7' },
      },
    ],
    [
      'its node failed',
      { exitCode: 0, signal: null, reason: 'node_fail', message: 'a node it ran on failed' },
      false,
      {
        state: 'preempted',
        exitCode: 0,
        failure: { stage: 'run', reason: 'node_fail', message: 'a node it ran on failed' },
      },
    ],
    [
      'cancelled outside tminus',
      {
        exitCode: 137,
        signal: 'SIGKILL',
        reason: 'cancelled',
        message: 'Slurm job 7 was cancelled outside tminus',
      },
      false,
      {
        state: 'stopped',
        exitCode: 137,
        failure: {
          stage: 'run',
          reason: 'cancelled',
          message: 'Slurm job 7 was cancelled outside tminus',
        },
      },
    ],
  ])('%s', (_name, exit, cancelled, update) => {
    expect(terminalUpdate(exit, cancelled)).toEqual(update);
  });
});
