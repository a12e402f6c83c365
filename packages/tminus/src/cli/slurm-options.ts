/**
 * @module `tminus agent`'s Slurm flags and the runner they make: `--slurm` gives the agent a Slurm
 * runner for queues whose resource is `slurm` (also `slurm:` in launch-config.yaml), and
 * `--slurm-shared-dir` says where the compute nodes see the runs (it implies `--slurm`).
 */
import { resolve } from 'node:path';

import type { Command } from 'commander';

import type { SlurmConfig } from '../agent/launch-config.js';
import type { Runner } from '../runners/runner.js';
import { sharedDirProblem, slurmClientProblem, slurmRunner } from '../runners/slurm/runner.js';
import { UsageError } from './usage-error.js';

export interface SlurmFlags {
  slurm?: boolean;
  slurmSharedDir?: string;
}

export function addSlurmOptions(command: Command): Command {
  return command
    .option(
      '--slurm',
      'also run the runs of queues whose resource is "slurm": each run becomes one Slurm batch job (sbatch on this machine, e.g. a login node; SLURM_CONF is honoured), its resource_args.slurm become sbatch options, its output is followed from the job’s output files, and a pending job’s reason shows in `tminus run explain`. See docs/runners.md',
    )
    .option(
      '--slurm-shared-dir <dir>',
      'a directory every Slurm compute node sees at the same path (implies --slurm): runs whose work dir the nodes cannot see are copied there, and jobs’ output files are kept in <dir>/slurm-logs. Default: --work-dir (right on one node, or when the work dir is on a shared file system)',
    );
}

/** The flags as the agent's config takes them (only those given). */
export function slurmFlags(flags: SlurmFlags): { slurm?: SlurmConfig } {
  if (flags.slurmSharedDir !== undefined)
    return { slurm: { sharedDir: resolve(flags.slurmSharedDir) } };
  return flags.slurm === true ? { slurm: {} } : {};
}

/** The Slurm runner the config asks for (none when it asks for none), checked before the agent registers. */
export async function slurmRunners(
  config: { readonly slurm?: SlurmConfig },
  workDir: string,
  log: (line: string) => void,
): Promise<Runner[]> {
  if (config.slurm === undefined) return [];
  const sharedDir = config.slurm.sharedDir ?? workDir;
  const problem = sharedDirProblem(sharedDir) ?? (await slurmClientProblem(process.env));
  if (problem !== undefined)
    throw new UsageError(
      problem,
      'Pass --slurm-shared-dir /absolute/dir (or slurm: {shared_dir: …} in the config file), on a machine with Slurm’s client commands.',
    );
  log(`Slurm runner: runs of "slurm" queues are batch jobs; shared directory ${sharedDir}`);
  return [slurmRunner({ sharedDir, log })];
}
