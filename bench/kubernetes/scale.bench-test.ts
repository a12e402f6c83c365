/**
 * Bench: 1,000 concurrent Kubernetes runs against the API server STAND-IN (pods "run" without
 * processes: `execute: false`), measuring what an agent pays per run — watch connections (target:
 * one per namespace) and heap per run (target < 100 KB; the stand-in's own objects live in the same
 * process, so the figure is an upper bound), read after a collection; also the log connections (each
 * running run follows its container's stdout and stderr) and how long until all are running. Run it with
 * `npm run bench:kubernetes`; it writes
 * bench/results/kubernetes-scale.json. Only the watch count is asserted (it is structural, not timing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { kubernetesRunner } from '../../packages/tminus/src/runners/kubernetes/runner.js';
import type { LaunchPlan, RunningProgram } from '../../packages/tminus/src/runners/runner.js';
import { startKubeStandin } from '../../test/helpers/kube-standin/server.js';
import { tempDir } from '../../test/helpers/temp.js';

const RUNS = Number(process.env.TMINUS_BENCH_KUBE_RUNS ?? 1000);
const tmp = tempDir('kube-bench');
afterAll(() => tmp.remove());

it(`${RUNS} concurrent Kubernetes runs (API server stand-in): watches and agent memory per run`, async () => {
  const standin = await startKubeStandin({ execute: false, checkSchemas: false });
  const runner = await kubernetesRunner({
    cluster: { kubeconfig: standin.kubeconfig },
    agent: 'bench',
    stateDir: join(tmp.path, 'state'),
  });
  const configPath = join(tmp.path, 'config.json');
  writeFileSync(configPath, '{"lr":0.5}');
  const plan = (i: number): LaunchPlan => ({
    runId: `bench${i}`,
    attempt: 1,
    argv: ['python', 'train.py'],
    runEnv: { TMINUS_RUN_ID: `bench${i}`, TMINUS_RUN_TOKEN: 'tmr_x', WANDB_CONFIG: '{"lr":0.5}' },
    inherit: { baseEnv: {}, secretEnv: [], wandbCredentials: false },
    dir: tmp.path,
    configPath,
    sourceDir: undefined,
    sourceLabel: `bench${i}`,
    image: 'trainer:v1',
    resourceArgs: {},
  });
  const heap = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const heapBefore = heap();
  const startedAt = performance.now();
  const programs: RunningProgram[] = [];
  for (let i = 0; i < RUNS; i += 50)
    programs.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, RUNS - i) }, (_, j) =>
          runner.start(plan(i + j), { onLine: () => undefined }),
        ),
      )),
    );
  await Promise.all(programs.map((p) => p.running));
  const allRunningMs = Math.round(performance.now() - startedAt);
  // Every run has opened its log streams (stdout and stderr apart) once it is running.
  while (standin.logFollows.open < 2 * RUNS) await new Promise((r) => setTimeout(r, 50));
  const heapRunning = heap();
  const result = {
    runs: RUNS,
    namespaces: runner.watch.namespaces,
    allRunningMs,
    heapPerRunKB: Math.round((heapRunning - heapBefore) / RUNS / 102.4) / 10,
    gcBeforeReading: globalThis.gc !== undefined,
    logFollowConnections: standin.logFollows.open,
  };
  standin.finish(0);
  await Promise.all(programs.map((p) => p.exited));
  Object.assign(result, { watchConnectionsOpened: standin.watches.total });
  runner.close();
  await standin.close();
  mkdirSync(join(import.meta.dirname, '..', 'results'), { recursive: true });
  writeFileSync(
    join(import.meta.dirname, '..', 'results', 'kubernetes-scale.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(result);
  expect(standin.watches.total).toBe(1);
}, 600_000);
