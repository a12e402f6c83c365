/**
 * @module The Slurm cluster for tests: runs scripts/slurm-stack.sh once per test file and returns
 * its environment, or the reason it is unavailable (the Slurm tests then skip, saying so). Jobs a
 * test file submits carry its runs' ids in their names; `cancelJobsNamed` removes what is left.
 */
import { execFile } from 'node:child_process';

import { runStackScript } from './stack-script.js';

/** The first run on a new machine installs the packages (about 10 s; apt may be slow). */
const SETUP_TIMEOUT_MS = 10 * 60_000;

export interface SlurmCluster {
  /** process.env plus SLURM_CONF, for the Slurm commands and the agents the tests start. */
  readonly env: NodeJS.ProcessEnv;
  /** The one compute node (this host). */
  readonly node: string;
  readonly cpus: number;
  /** What the node offers jobs, in MB; the drained big-memory node offers 8 times as much. */
  readonly memoryMb: number;
}

export type SlurmResult =
  | { readonly cluster: SlurmCluster; readonly skipReason?: undefined }
  | { readonly cluster?: undefined; readonly skipReason: string };

async function runScript(): Promise<SlurmResult> {
  const ran = await runStackScript('slurm-stack.sh', SETUP_TIMEOUT_MS);
  if (ran.skipReason !== undefined) return { skipReason: ran.skipReason };
  const { vars, stdout } = ran;
  const { SLURM_CONF, TMINUS_TEST_SLURM_NODE: node } = vars;
  const cpus = Number(vars.TMINUS_TEST_SLURM_CPUS);
  const memoryMb = Number(vars.TMINUS_TEST_SLURM_MEMORY_MB);
  if (!SLURM_CONF || !node || !(cpus > 0) || !(memoryMb > 0))
    return { skipReason: `scripts/slurm-stack.sh printed no usable environment: ${stdout}` };
  return { cluster: { env: { ...process.env, SLURM_CONF }, node, cpus, memoryMb } };
}

let once: Promise<SlurmResult> | undefined;

/**
 * The cluster, set up at most once per test file (the script takes well under a second when it is
 * up). It also sets SLURM_CONF in this process, so that runners and agents started here reach it.
 */
export function slurmCluster(): Promise<SlurmResult> {
  once ??= runScript().then((result) => {
    if (result.skipReason !== undefined) console.warn(`Slurm tests skipped: ${result.skipReason}`);
    else process.env.SLURM_CONF = result.cluster.env.SLURM_CONF;
    return result;
  });
  return once;
}

/** Runs a Slurm command; resolves with its stdout (rejects with its stderr). */
export function slurmCommand(
  cluster: SlurmCluster,
  command: string,
  args: readonly string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: cluster.env }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Slurm's record of a job (`scontrol show job -o`), as KEY → value. */
export async function jobRecord(
  cluster: SlurmCluster,
  jobId: string,
): Promise<Record<string, string>> {
  const line = await slurmCommand(cluster, 'scontrol', ['-o', 'show', 'job', jobId]);
  const record: Record<string, string> = {};
  // Values may hold spaces (Command=…); a key is a word followed by "=" after a space.
  for (const match of line.trim().matchAll(/(?:^| )([A-Za-z:/]+)=(.*?)(?= [A-Za-z:/]+=|$)/g))
    record[match[1]!] = match[2]!.trim();
  return record;
}

/** Job ids in the queue (pending, running, completing) whose names start with `prefix`. */
export async function liveJobs(cluster: SlurmCluster, prefix: string): Promise<string[]> {
  const out = await slurmCommand(cluster, 'squeue', ['-h', '-o', '%i %j']);
  return out
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(([id, name]) => id !== undefined && name?.startsWith(prefix))
    .map(([id]) => id!);
}

/** Cancels the jobs whose names start with `prefix` (what a test file left behind). */
export async function cancelJobsNamed(cluster: SlurmCluster, prefix: string): Promise<void> {
  const ids = await liveJobs(cluster, prefix);
  if (ids.length > 0) await slurmCommand(cluster, 'scancel', ids);
}
