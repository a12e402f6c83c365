/**
 * @module Slurm's client commands, without a shell: `sbatch` (the job script's environment given as
 * sbatch's own), `squeue` for many jobs in one call, `scancel` to signal or cancel, and `sacct` for a
 * job `squeue` has forgotten (only where the cluster keeps accounting). Every id reaching a command
 * line is a job id (digits) or a job name tminus made.
 */
import { execFile } from 'node:child_process';

import { parseSacct, parseSqueue, SACCT_FIELDS, SQUEUE_FIELDS, type JobStatus } from './status.js';

/** A Slurm command that could not run or that Slurm answered with an error. */
export class SlurmCommandError extends Error {
  override readonly name = 'SlurmCommandError';
  constructor(
    readonly command: string,
    /** What the command printed on stderr (its last line), or why it did not run. */
    readonly said: string,
    /** The command is not installed (or not on PATH). */
    readonly missing: boolean,
  ) {
    super(`${command}: ${said}`);
  }
}

/** Slurm's commands answer in milliseconds; a stuck controller must not hang the agent. */
const COMMAND_TIMEOUT_MS = 60_000;

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const said = missing
          ? `${command} is not installed or not on the agent's PATH`
          : (stderr.trim().split('\n').pop() ?? '') || error.message;
        reject(new SlurmCommandError(command, said, missing));
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function isDigits(id: string): boolean {
  return /^\d+$/.test(id);
}

export class SlurmCommands {
  /** `env`: the agent's environment for Slurm's commands (SLURM_CONF and the like). */
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** sbatch's version: whether Slurm's client commands are installed here. */
  version(): Promise<string> {
    return run('sbatch', ['--version'], this.env);
  }

  /** Submits; resolves with sbatch's stdout. `jobEnv` is the environment sbatch (and so the job) gets. */
  sbatch(args: readonly string[], jobEnv: NodeJS.ProcessEnv): Promise<string> {
    return run('sbatch', args, jobEnv);
  }

  /** The jobs of `ids` Slurm still knows (ended ones for MinJobAge after their end). */
  async squeue(ids: readonly string[]): Promise<JobStatus[]> {
    const known = ids.filter(isDigits);
    if (known.length === 0) return [];
    try {
      const out = await run(
        'squeue',
        ['-h', '--states=all', `--jobs=${known.join(',')}`, '-O', SQUEUE_FIELDS],
        this.env,
      );
      return parseSqueue(out);
    } catch (error) {
      // One id Slurm has forgotten, asked alone, is an error; none of them is there.
      if (error instanceof SlurmCommandError && /Invalid job id/i.test(error.said)) return [];
      throw error;
    }
  }

  /** The jobs named `name` Slurm still knows. */
  async squeueByName(name: string): Promise<JobStatus[]> {
    const out = await run(
      'squeue',
      ['-h', '--states=all', `--name=${name}`, '-O', SQUEUE_FIELDS],
      this.env,
    );
    return parseSqueue(out);
  }

  /** Sends `signal` to the job's batch script and all its processes; the job goes on if they do. */
  async signal(id: string, signal: 'TERM'): Promise<void> {
    if (isDigits(id)) await run('scancel', [`--signal=${signal}`, '--full', id], this.env);
  }

  /** Cancels the job: Slurm sends SIGTERM, then SIGKILL after the cluster's KillWait. */
  async cancel(id: string): Promise<void> {
    if (isDigits(id)) await run('scancel', [id], this.env);
  }

  /** The job's record in Slurm's accounting, or undefined (no such job, or no accounting). */
  async sacct(id: string): Promise<JobStatus | undefined> {
    if (!isDigits(id)) return undefined;
    const out = await run(
      'sacct',
      ['-X', '-n', '-P', '-j', id, '-o', SACCT_FIELDS],
      this.env,
    ).catch(() => '');
    return parseSacct(out, id);
  }
}
