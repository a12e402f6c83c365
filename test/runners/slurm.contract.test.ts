/**
 * The runner contract on the Slurm runner: every program is a batch job on a real slurmctld and
 * slurmd (scripts/slurm-stack.sh). The runs' directories are in a temp dir the "compute node" is
 * told nothing about, so the runner copies them to its shared directory, as on a real cluster.
 */
import { it } from 'vitest';

import type { Runner } from '../../packages/tminus/src/runners/runner.js';
import { slurmRunner } from '../../packages/tminus/src/runners/slurm/runner.js';
import { describeRunnerContract } from '../helpers/runner-contract.js';
import { slurmCluster, slurmCommand } from '../helpers/slurm.js';
import { tempDir } from '../helpers/temp.js';

const { cluster, skipReason } = await slurmCluster();

if (cluster === undefined) {
  it.skip(`runner contract: slurm — ${skipReason}`, () => undefined);
} else {
  const shared = tempDir('slurm-shared');
  const submitted = new Set<string>();
  /** A fresh runner (as a restarted agent has), noting the jobs it submits for the cleanup. */
  const runner = (): Runner => {
    const inner = slurmRunner({ sharedDir: shared.path, env: cluster.env, pollMs: 200 });
    return {
      ...inner,
      async start(plan, events) {
        const program = await inner.start(plan, events);
        submitted.add(program.ref.id);
        return program;
      },
    };
  };
  describeRunnerContract('slurm', () => ({
    runner,
    async isRunning(ref) {
      const out = await slurmCommand(cluster, 'squeue', ['-h', '-j', ref.id, '-o', '%T']).catch(
        () => '',
      );
      return ['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING'].includes(out.trim());
    },
    async cleanup() {
      if (submitted.size > 0)
        await slurmCommand(cluster, 'scancel', [...submitted]).catch(() => undefined);
      shared.remove();
    },
  }));
}
