/**
 * What a Kubernetes user sees beyond the contract, against the API server STAND-IN
 * (test/helpers/kube-standin): why a pod waits (or a Job has no pod), eviction → preempted, image pull errors, the
 * Secret deleted at the end, one watch per namespace, and a watch that answers 410 Gone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import {
  kubernetesRunner,
  type KubernetesRunner,
} from '../../packages/tminus/src/runners/kubernetes/runner.js';
import { missingPermissions } from '../../packages/tminus/src/runners/kubernetes/access-check.js';
import type { LaunchPlan, Waiting } from '../../packages/tminus/src/runners/runner.js';
import { startKubeStandin, type StandinOptions } from '../helpers/kube-standin/server.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('kube-standin-test');
const closers: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  tmp.remove();
});

// What the stand-in wrote as Job controller and kubelet passed the official schemas.
const standins: { schemaErrors: string[] }[] = [];
afterEach(() => {
  for (const standin of standins.splice(0)) expect(standin.schemaErrors).toEqual([]);
});

let n = 0;
async function setup(options: StandinOptions = {}) {
  const standin = await startKubeStandin(options);
  standins.push(standin);
  const runner = await kubernetesRunner({
    cluster: { kubeconfig: standin.kubeconfig },
    agent: 'test-agent',
    stateDir: join(tmp.path, `state-${n++}`),
    retryMs: 50,
  });
  closers.push(
    () => standin.close(),
    () => runner.close(),
  );
  return { standin, runner };
}

function plan(script: string, extra: Partial<LaunchPlan> = {}): LaunchPlan {
  const runId = `standin${n++}`;
  const dir = join(tmp.path, runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"lr":0.5}');
  return {
    runId,
    attempt: 1,
    argv: ['sh', '-c', script],
    runEnv: { TMINUS_RUN_ID: runId, TMINUS_RUN_TOKEN: 'tmr_token', TMINUS_QUEUE: 'gpu' },
    inherit: { baseEnv: {}, secretEnv: [], wandbCredentials: false },
    dir,
    configPath: join(dir, 'config.json'),
    sourceDir: undefined,
    sourceLabel: runId,
    image: 'trainer:v1',
    resourceArgs: {},
    ...extra,
  };
}

async function start(runner: KubernetesRunner, p: LaunchPlan, onWaiting?: (w: Waiting) => void) {
  const lines: string[] = [];
  const program = await runner.start(await runner.prepare(p, () => undefined), {
    onLine: (_s, text) => lines.push(text),
    ...(onWaiting === undefined ? {} : { onWaiting }),
  });
  return { program, lines };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('the Kubernetes runner (API server stand-in)', () => {
  it("an unschedulable pod: the scheduler's message reaches run explain (onWaiting), then it runs", async () => {
    const { standin, runner } = await setup({
      unschedulable: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
    });
    const waits: Waiting[] = [];
    const { program, lines } = await start(
      runner,
      plan('echo ran; cat "$TMINUS_CONFIG_PATH"'),
      (w) => waits.push(w),
    );
    await until(() => waits.length > 0);
    expect(waits[0]).toEqual({
      reason: 'Unschedulable',
      message: expect.stringContaining('0/3 nodes are available: 3 Insufficient nvidia.com/gpu.'),
    });
    standin.schedule();
    expect(await program.exited).toMatchObject({ exitCode: 0 });
    // The config file came from the run's Secret, mounted in the pod.
    expect(lines).toEqual(['ran', '{"lr":0.5}']);
  });

  it("a Job whose pods a ResourceQuota forbids: the quota's refusal (a Warning Event) reaches run explain, then it runs", async () => {
    const quota =
      'exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=8, limited: requests.nvidia.com/gpu=8';
    const { standin, runner } = await setup({ podsForbidden: quota });
    const waits: Waiting[] = [];
    const { program, lines } = await start(runner, plan('echo ran'), (w) => waits.push(w));
    await until(() => waits.length > 0);
    expect(waits[0]).toEqual({
      reason: 'FailedCreate',
      message: expect.stringMatching(
        /^Kubernetes cannot go on with Job tminus-.*exceeded quota: gpu-quota/,
      ),
    });
    standin.admitPods();
    expect(await program.exited).toMatchObject({ exitCode: 0 });
    expect(lines).toEqual(['ran']);
  });

  it('an evicted pod is preempted (the server re-queues it by the queue’s retry policy)', async () => {
    const { standin, runner } = await setup();
    const p = plan('echo ready; trap "echo bye; exit 143" TERM; while true; do sleep 0.1; done');
    const { program, lines } = await start(runner, p);
    await until(() => lines.includes('ready'));
    const [pod] = standin.store.list('pods', 'standin-ns', `tminus/run-id=${p.runId}`);
    standin.evict('standin-ns', pod?.metadata.name ?? '');
    expect(await program.exited).toMatchObject({
      reason: 'preempted',
      message: expect.stringContaining('EvictionByEvictionAPI'),
    });
    expect(lines).toContain('bye');
  });

  it('an image that cannot be pulled fails the run with the reason, and its Job is deleted', async () => {
    const { standin, runner } = await setup({ imageExists: (image) => image !== 'typo:v1' });
    const p = plan('echo never', { image: 'typo:v1' });
    const { program } = await start(runner, p);
    expect(await program.exited).toMatchObject({
      exitCode: 1,
      reason: 'image_pull',
      message: expect.stringContaining('ErrImagePull'),
    });
    await until(
      () => standin.store.list('jobs', 'standin-ns', `tminus/run-id=${p.runId}`).length === 0,
    );
  });

  it('the run token is in a Secret, not the Job; the Secret is deleted when the run ends', async () => {
    const { standin, runner } = await setup();
    const p = plan('echo "$TMINUS_RUN_TOKEN"');
    const { program, lines } = await start(runner, p);
    expect(JSON.stringify(standin.store.list('jobs', 'standin-ns'))).not.toContain('tmr_token');
    await program.exited;
    expect(lines).toEqual(['tmr_token']);
    expect(standin.store.list('secrets', 'standin-ns', `tminus/run-id=${p.runId}`)).toEqual([]);
  });

  it('runs in the same namespace share one watch; another namespace gets its own', async () => {
    const { standin, runner } = await setup();
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        start(runner, plan('echo hi', i < 8 ? {} : { resourceArgs: { namespace: 'other' } })),
      ),
    );
    for (const r of runs) expect(await r.program.exited).toMatchObject({ exitCode: 0 });
    expect(standin.watches.total).toBe(2);
  });

  it('a watch answered with 410 Gone lists again and the run is still followed to its end', async () => {
    const { standin, runner } = await setup();
    const p = plan('echo one; sleep 0.5; echo two');
    const { program, lines } = await start(runner, p);
    await until(() => lines.includes('one'));
    standin.compact();
    // Drop the watch connection: the runner resumes from its version, gets 410, lists again.
    standin.dropWatches();
    expect(await program.exited).toMatchObject({ exitCode: 0 });
    expect(lines).toEqual(['one', 'two']);
    expect(standin.watches.total).toBeGreaterThanOrEqual(2);
  });

  it('a run whose pod starts before the runner follows it is still seen running (watch already open)', async () => {
    // Pods that never change again (they run until finish()): a Pending→Running heard before the
    // runner had registered the run would leave it "starting" until the pod ended.
    const { standin, runner } = await setup({ execute: false });
    const first = await start(runner, plan('unused'));
    await first.program.running;
    const later = await Promise.all(Array.from({ length: 5 }, () => start(runner, plan('unused'))));
    await Promise.all(later.map((r) => r.program.running));
    standin.finish(0);
    for (const r of [first, ...later])
      expect(await r.program.exited).toMatchObject({ exitCode: 0 });
  });

  it("two agents in one namespace: each follows its own runs and no other's", async () => {
    const { standin, runner } = await setup();
    const other = await kubernetesRunner({
      cluster: { kubeconfig: standin.kubeconfig },
      agent: 'other-agent',
      stateDir: join(tmp.path, `state-${n++}`),
    });
    closers.push(() => other.close());
    const mine = await start(runner, plan('echo mine'));
    const theirs = await start(other, plan('echo theirs'));
    expect(await mine.program.exited).toMatchObject({ exitCode: 0 });
    expect(await theirs.program.exited).toMatchObject({ exitCode: 0 });
    expect(mine.lines).toEqual(['mine']);
    expect(theirs.lines).toEqual(['theirs']);
  });

  it("what the agent's account may not do is found by access reviews, exactly", async () => {
    const { runner } = await setup({ forbidden: ['list events', 'get pods/log'] });
    const missing = await missingPermissions(runner.api, 'standin-ns');
    expect(
      missing?.map((p) => `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}`),
    ).toEqual(['get pods/log', 'list events']);
    const { runner: allowed } = await setup();
    expect(await missingPermissions(allowed.api, 'standin-ns')).toEqual([]);
  });
});
