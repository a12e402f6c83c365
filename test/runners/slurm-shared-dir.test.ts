/**
 * The Slurm runner and its shared directory, on a real slurmctld and slurmd: a run whose directory the
 * compute nodes cannot see is copied there for its job and removed when the job ends; the job's output
 * files stay, where Slurm users look for them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { slurmRunner } from '../../packages/tminus/src/runners/slurm/runner.js';
import { slurmCluster } from '../helpers/slurm.js';
import { tempDir } from '../helpers/temp.js';

const { cluster, skipReason } = await slurmCluster();
const tmp = tempDir('slurm-shared-dir');
afterAll(() => tmp.remove());

(cluster === undefined ? it.skip : it)(
  `a run outside the shared directory is copied in for its job and removed after; its output stays${cluster === undefined ? ` — ${skipReason}` : ''}`,
  async () => {
    const shared = join(tmp.path, 'shared');
    const dir = join(tmp.path, 'agent-work', 'run-abc');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'data.txt'), 'from the source\n');
    writeFileSync(join(dir, 'config.json'), '{"lr":1}');
    const runner = slurmRunner({ sharedDir: shared, env: cluster!.env, pollMs: 200 });
    const lines: string[] = [];
    const plan = await runner.prepare(
      {
        runId: `shared-${process.pid}`,
        attempt: 1,
        argv: ['sh', '-c', 'pwd; cat data.txt; echo "$TMINUS_CONFIG_PATH"'],
        runEnv: {},
        inherit: {
          baseEnv: { PATH: process.env.PATH ?? '' },
          secretEnv: [],
          wandbCredentials: true,
        },
        dir,
        configPath: join(dir, 'config.json'),
        sourceDir: join(dir, 'src'),
        sourceLabel: 'test',
        image: undefined,
        resourceArgs: {},
      },
      () => undefined,
    );
    const copy = join(shared, 'runs', 'run-abc');
    expect(plan).toMatchObject({ dir: copy, sourceDir: join(copy, 'src') });
    const program = await runner.start(plan, { onLine: (_stream, text) => lines.push(text) });
    expect(await program.exited).toMatchObject({ exitCode: 0 });
    expect(lines).toEqual([join(copy, 'src'), 'from the source', join(copy, 'config.json')]);
    expect(existsSync(copy)).toBe(false);
    const logs = readdirSync(join(shared, 'slurm-logs'));
    const out = logs.find((f) => f === `${plan.runId}.1.${program.ref.id}.out`);
    expect(out).toBeDefined();
    expect(readFileSync(join(shared, 'slurm-logs', out!), 'utf8')).toContain('from the source');
  },
);
