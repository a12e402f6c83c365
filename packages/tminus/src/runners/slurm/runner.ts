/**
 * @module The Slurm runner behind the runner seam: one run is one batch job. `prepare` puts the
 * run's source and config file where the compute nodes see them (the shared directory; on one node
 * the agent's work dir already is); `start` cancels jobs of earlier attempts of the same run, then
 * submits with `sbatch` (the program's environment as sbatch's own, so the job gets exactly what a
 * local process would, plus Slurm's `SLURM_*`); `reattach` follows a job an earlier agent submitted,
 * from the output offsets it reached. Output files are kept under `<shared>/slurm-logs/`.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';

import { programEnv } from '../program-env.js';
import { PrepareError } from '../prepare-error.js';
import type { LaunchPlan, ProgramEvents, ProgramRef, Runner, RunningProgram } from '../runner.js';
import { SlurmCommandError, SlurmCommands } from './commands.js';
import { followJob, type JobFiles, readOffsets, SLURM } from './follow-job.js';
import { JobWatch } from './job-watch.js';
import {
  attemptOf,
  expandJobId,
  JOB_NAME_PREFIX,
  JOB_SCRIPT,
  jobName,
  outputFiles,
  parseJobId,
  pathProblem,
  sbatchArgs,
} from './spec.js';
import { phaseOf } from './status.js';

export { SLURM } from './follow-job.js';

export interface SlurmRunnerOptions {
  /**
   * A directory every compute node sees at the same path: run sources and config files are copied
   * there when the agent's work dir is elsewhere, and jobs' output files are kept there.
   */
  readonly sharedDir: string;
  /** The environment of Slurm's commands (SLURM_CONF, …). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How often the jobs' states are asked for and their output files read. @default 500 */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** Variables of the agent's that tell Slurm's commands where the cluster is; sbatch needs them too. */
const CLIENT_ENV = ['SLURM_CONF'] as const;

/** What is wrong with the shared directory, or undefined (checked when the agent starts). */
export function sharedDirProblem(dir: string): string | undefined {
  const bad = pathProblem(dir);
  return bad === undefined ? undefined : `The Slurm shared directory: ${bad}`;
}

/** Why this machine cannot submit Slurm jobs (no sbatch on PATH), or undefined. */
export async function slurmClientProblem(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    await new SlurmCommands(env).version();
    return undefined;
  } catch (error) {
    return `The Slurm runner cannot work here: ${(error as Error).message}`;
  }
}

function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep);
}

function refused(error: unknown): PrepareError {
  if (error instanceof SlurmCommandError && error.missing)
    return new PrepareError(
      `${error.said}: this agent cannot submit Slurm jobs (install Slurm's client commands, or run the agent on a login node)`,
      'slurm_unavailable',
    );
  const said = error instanceof SlurmCommandError ? error.said : (error as Error).message;
  return new PrepareError(`Slurm refused the job: ${said}`, 'slurm_refused');
}

export function slurmRunner(options: SlurmRunnerOptions): Runner {
  const problem = sharedDirProblem(options.sharedDir);
  if (problem !== undefined) throw new Error(problem);
  const shared = resolve(options.sharedDir);
  const runsDir = join(shared, 'runs');
  const logsDir = join(shared, 'slurm-logs');
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const commands = new SlurmCommands(env);
  const watch = new JobWatch(commands, options.pollMs ?? 500);

  /** The run's copy on the shared directory, when `prepare` made one; removed once its job ends. */
  const copyOf = (workDir: string) => {
    if (!inside(runsDir, workDir)) return undefined;
    const [name] = relative(runsDir, workDir).split(sep);
    return name === undefined ? undefined : join(runsDir, name);
  };
  const removeCopy = (workDir: string) => async () => {
    const copy = copyOf(workDir);
    if (copy !== undefined) await rm(copy, { recursive: true, force: true });
  };

  /** Jobs left by earlier attempts of this run (their agents lost it): cancelled, said in the log. */
  const cancelEarlierAttempts = async (plan: LaunchPlan, events: ProgramEvents) => {
    if (plan.attempt === 1) return; // The first attempt has none (and skips a squeue).
    const jobs = await commands.squeueByName(jobName(plan.runId)).catch(() => []);
    for (const job of jobs) {
      const attempt = attemptOf(job.comment, plan.runId);
      if (attempt === undefined || attempt >= plan.attempt || phaseOf(job.state) === 'ended')
        continue;
      events.onLine('system', `tminus: cancelling Slurm job ${job.id} of attempt ${attempt}`);
      await commands.cancel(job.id).catch(() => undefined);
    }
  };

  return {
    resource: SLURM,

    async prepare(plan) {
      if (plan.image !== undefined)
        throw new PrepareError(
          `The run executes the image ${plan.image}; the Slurm runner runs programs, not images (yet). Launch it to a queue whose resource is local-container`,
          'image_unsupported',
        );
      if (plan.user !== undefined)
        throw new PrepareError(
          `The Slurm runner submits jobs as the agent's own user; it does not run them as ${plan.user.name} (--run-as). Run the agent as the user the jobs should run as`,
          'run_as_unsupported',
        );
      if (plan.argv.length === 0)
        throw new PrepareError(
          'The run has no entry point: the job defines none and overrides.entry_point is empty; set -E/--entry-point',
          'no_entrypoint',
        );
      if (inside(shared, plan.dir)) return plan;
      // The compute nodes do not see the agent's work dir: the run goes to the shared directory.
      const dir = join(runsDir, basename(plan.dir));
      await mkdir(runsDir, { recursive: true, mode: 0o700 });
      await cp(plan.dir, dir, { recursive: true, preserveTimestamps: true });
      const moved = (path: string) => join(dir, relative(plan.dir, path));
      return {
        ...plan,
        dir,
        configPath: moved(plan.configPath),
        sourceDir: plan.sourceDir === undefined ? undefined : moved(plan.sourceDir),
      };
    },

    async start(plan, events) {
      const workDir = plan.sourceDir ?? plan.dir;
      const script = join(plan.dir, '.tminus-slurm-job.sh');
      const outputBase = join(logsDir, `${plan.runId}.${plan.attempt}`);
      const args = sbatchArgs({
        runId: plan.runId,
        attempt: plan.attempt,
        argv: plan.argv,
        workDir,
        script,
        outputBase,
        args: plan.resourceArgs,
      });
      await mkdir(logsDir, { recursive: true, mode: 0o700 });
      await writeFile(script, JOB_SCRIPT, { mode: 0o700 });
      await cancelEarlierAttempts(plan, events);
      const jobEnv = programEnv(plan);
      for (const name of CLIENT_ENV) if (env[name] !== undefined) jobEnv[name] ??= env[name];
      let jobId;
      try {
        jobId = parseJobId(await commands.sbatch(args, jobEnv));
      } catch (error) {
        await removeCopy(workDir)();
        throw refused(error);
      }
      if (jobId === undefined) throw new PrepareError('sbatch printed no job id', 'slurm_refused');
      log(`run ${plan.runId}: Slurm job ${jobId}`);
      const files = outputFiles(outputBase, jobId);
      return followJob(
        { commands, watch, log, onEnded: removeCopy(workDir) },
        jobId,
        { ...files, offsets: `${outputBase}.${jobId}.offsets` },
        { stdout: 0, stderr: 0 },
        events,
      );
    },

    async reattach(ref: ProgramRef, events): Promise<RunningProgram | undefined> {
      if (!/^\d+$/.test(ref.id)) return undefined;
      const [job] = await commands.squeue([ref.id]);
      // Not a job tminus submitted (a recycled id after a cluster reinstall): leave it alone.
      if (job === undefined || !job.name.startsWith(JOB_NAME_PREFIX)) return undefined;
      const stdout = expandJobId(job.stdout, job.id);
      const stderr = expandJobId(job.stderr, job.id);
      const offsets = `${stdout.replace(/\.out$/, '')}.offsets`;
      const files: JobFiles = { stdout, stderr, offsets };
      return followJob(
        { commands, watch, log, onEnded: removeCopy(job.workDir) },
        job.id,
        files,
        await readOffsets(offsets),
        events,
      );
    },
  };
}
