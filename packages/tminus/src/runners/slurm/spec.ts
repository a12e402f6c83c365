/**
 * @module The pure part of the Slurm runner: how a run becomes one `sbatch` submission. The program
 * and its arguments go to a constant job script as *its* arguments (`exec "$@"`), so no shell string
 * is ever built from them; the run's `resource_args.slurm` become sbatch options (checked again here:
 * the agent does not trust what the server sent); the job's name and comment carry the run id and
 * attempt (`squeue --name=tminus-<run id>` finds it); its output and error go to files under the
 * shared directory, named after the run, the attempt and the job id.
 */
import { isAbsolute } from 'node:path';

import type { JsonObject } from '@tminus/sdk/protocol';

import { slurmArgsProblem, slurmOptions } from '../../core/resource-args/slurm.js';
import { PrepareError } from '../prepare-error.js';

/** The batch script of every job: the program it is given, with its arguments exactly as given. */
export const JOB_SCRIPT = `#!/bin/sh
# tminus: runs the program and arguments sbatch passes to this script, unchanged (no shell parsing).
exec "$@"
`;

export const JOB_NAME_PREFIX = 'tminus-';

export function jobName(runId: string): string {
  return `${JOB_NAME_PREFIX}${runId}`;
}

export function jobComment(runId: string, attempt: number): string {
  return `tminus run ${runId} attempt ${attempt}`;
}

/** The attempt a job's comment names for `runId`, or undefined when it is not such a comment. */
export function attemptOf(comment: string, runId: string): number | undefined {
  const match = /^tminus run (\S+) attempt (\d+)$/.exec(comment.trim());
  return match?.[1] === runId ? Number(match[2]) : undefined;
}

/**
 * What is wrong with a path that goes on sbatch's command line, or undefined: it must be absolute,
 * and free of `%` (sbatch expands `%j`, `%u`, … in file names) and of control characters.
 */
export function pathProblem(path: string): string | undefined {
  if (!isAbsolute(path)) return `${JSON.stringify(path)} is not an absolute path`;
  if (path.includes('%'))
    return `${JSON.stringify(path)} contains "%", which sbatch would read as a file name pattern`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path))
    return `${JSON.stringify(path)} contains a control character`;
  return undefined;
}

/** The output and error files of a job: `<base>.<job id>.out` and `.err`. */
export function outputFiles(base: string, jobId: string): { stdout: string; stderr: string } {
  return { stdout: `${base}.${jobId}.out`, stderr: `${base}.${jobId}.err` };
}

/** A file name sbatch was given, with the job id in place of `%j` (the only pattern tminus uses). */
export function expandJobId(pattern: string, jobId: string): string {
  return pattern.replaceAll('%j', jobId);
}

export interface Submission {
  readonly runId: string;
  readonly attempt: number;
  /** The program and its arguments. */
  readonly argv: readonly string[];
  /** The job's working directory (the job's source, on the shared directory). */
  readonly workDir: string;
  /** The job script (`JOB_SCRIPT`), wherever sbatch can read it. */
  readonly script: string;
  /** Output files are `<outputBase>.<job id>.out` and `.err`. */
  readonly outputBase: string;
  /** `resource_args.slurm` of the launch. */
  readonly args: JsonObject;
}

/** sbatch's arguments for a run; throws a PrepareError naming what cannot be passed. */
export function sbatchArgs(s: Submission): string[] {
  const problem = slurmArgsProblem(s.args);
  if (problem !== undefined) throw new PrepareError(problem, 'bad_resource_args');
  for (const path of [s.workDir, s.script, s.outputBase]) {
    const bad = pathProblem(path);
    if (bad !== undefined)
      throw new PrepareError(`Cannot submit the run to Slurm: ${bad}`, 'unsafe_path');
  }
  if (s.argv.length === 0)
    throw new PrepareError(
      'The run has no entry point: the job defines none and overrides.entry_point is empty; set -E/--entry-point',
      'no_entrypoint',
    );
  const { stdout, stderr } = outputFiles(s.outputBase, '%j');
  return [
    '--parsable',
    `--job-name=${jobName(s.runId)}`,
    `--comment=${jobComment(s.runId, s.attempt)}`,
    `--chdir=${s.workDir}`,
    `--output=${stdout}`,
    `--error=${stderr}`,
    '--input=/dev/null',
    // The environment sbatch runs with is the program's (see runner.ts), whatever SBATCH_EXPORT says.
    '--export=ALL',
    // A preempted or failed node's job is not re-run by Slurm behind tminus's back: the queue's
    // retry policy decides, as a new attempt (docs/decisions/0032-engine-preemption-requeues.md).
    '--no-requeue',
    ...slurmOptions(s.args),
    s.script,
    ...s.argv,
  ];
}

/** The job id `sbatch --parsable` printed (`123` or `123;cluster`), or undefined. */
export function parseJobId(stdout: string): string | undefined {
  const id = stdout.trim().split(';')[0] ?? '';
  return /^\d+$/.test(id) ? id : undefined;
}
