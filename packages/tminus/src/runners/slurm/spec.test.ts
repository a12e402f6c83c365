import { describe, expect, it } from 'vitest';

import { PrepareError } from '../prepare-error.js';
import {
  attemptOf,
  expandJobId,
  jobComment,
  outputFiles,
  parseJobId,
  pathProblem,
  sbatchArgs,
  type Submission,
} from './spec.js';

const submission: Submission = {
  runId: 'r1',
  attempt: 2,
  argv: ['python3', 'train.py', '--lr', '0.1; rm -rf /', '$HOME'],
  workDir: '/shared/r1-ab/src',
  script: '/shared/r1-ab/.tminus-slurm-job.sh',
  outputBase: '/shared/slurm-logs/r1.2',
  args: { partition: 'gpu', mem: '16G', exclusive: true },
};

describe('sbatch arguments', () => {
  it('name the run, put output under the shared dir, and pass the program as the script’s arguments', () => {
    expect(sbatchArgs(submission)).toEqual([
      '--parsable',
      '--job-name=tminus-r1',
      '--comment=tminus run r1 attempt 2',
      '--chdir=/shared/r1-ab/src',
      '--output=/shared/slurm-logs/r1.2.%j.out',
      '--error=/shared/slurm-logs/r1.2.%j.err',
      '--input=/dev/null',
      '--export=ALL',
      '--no-requeue',
      '--partition=gpu',
      '--mem=16G',
      '--exclusive',
      '/shared/r1-ab/.tminus-slurm-job.sh',
      // Exactly as given: the script execs "$@", nothing is parsed by a shell.
      'python3',
      'train.py',
      '--lr',
      '0.1; rm -rf /',
      '$HOME',
    ]);
  });

  it.each<[Partial<Submission>, string, string]>([
    [{ args: { array: '1-4' } }, 'bad_resource_args', 'array is refused'],
    [{ args: { mem: '4G --uid=0' } }, 'bad_resource_args', 'resource_args["slurm"].mem'],
    [{ workDir: 'relative/src' }, 'unsafe_path', 'is not an absolute path'],
    [{ outputBase: '/shared/100%/r1' }, 'unsafe_path', 'contains "%"'],
    [{ workDir: '/shared/a\nb' }, 'unsafe_path', 'control character'],
    [{ argv: [] }, 'no_entrypoint', 'no entry point'],
  ])('refuses %j', (change, reason, message) => {
    let error: unknown;
    try {
      sbatchArgs({ ...submission, ...change });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PrepareError);
    expect(error).toMatchObject({ reason });
    expect((error as Error).message).toContain(message);
  });
});

describe('names and files', () => {
  it('finds the attempt of a run in a job comment', () => {
    expect(attemptOf(jobComment('r1', 3), 'r1')).toBe(3);
    expect(attemptOf(jobComment('r1', 3), 'r2')).toBeUndefined();
    expect(attemptOf('something else', 'r1')).toBeUndefined();
  });

  it('names output files after the job, as sbatch expands %j', () => {
    expect(outputFiles('/s/l/r1.1', '77')).toEqual({
      stdout: '/s/l/r1.1.77.out',
      stderr: '/s/l/r1.1.77.err',
    });
    expect(expandJobId(outputFiles('/s/l/r1.1', '%j').stdout, '77')).toBe('/s/l/r1.1.77.out');
  });

  it('reads the job id sbatch --parsable prints', () => {
    expect(parseJobId('123\n')).toBe('123');
    expect(parseJobId('123;cluster-b\n')).toBe('123');
    expect(parseJobId('Submitted batch job 123')).toBeUndefined();
  });

  it('accepts only plain absolute paths', () => {
    expect(pathProblem('/srv/shared/tminus')).toBeUndefined();
    expect(pathProblem('~/x')).toContain('not an absolute path');
  });
});
