/**
 * The runner contract on the Kubernetes runner against the API server STAND-IN
 * (test/helpers/kube-standin: real HTTP on loopback, pods run as local processes), or against a real
 * cluster when TMINUS_TEST_KUBECONFIG names one (docs/runners.md: `npm run test:kubernetes`).
 * The runs' directories are on a "code volume" (a PVC the stand-in maps to a host directory).
 */
import { join } from 'node:path';

import { afterAll } from 'vitest';

import {
  kubernetesRunner,
  type KubernetesRunner,
} from '../../packages/tminus/src/runners/kubernetes/runner.js';
import type { Runner } from '../../packages/tminus/src/runners/runner.js';
import { startKubeStandin } from '../helpers/kube-standin/server.js';
import { describeRunnerContract } from '../helpers/runner-contract.js';
import { tempDir } from '../helpers/temp.js';

const code = tempDir('kube-code');
const real = process.env.TMINUS_TEST_KUBECONFIG;
const standin =
  real === undefined ? await startKubeStandin({ pvcs: { 'tminus-code': code.path } }) : undefined;
const runners: KubernetesRunner[] = [];
/** On a real cluster: TMINUS_TEST_KUBE_PVC=<claim>:<where this machine has it mounted>. */
const [claim, ...mount] = (process.env.TMINUS_TEST_KUBE_PVC ?? '').split(':');
const codeVolume =
  real === undefined
    ? { claimName: 'tminus-code', mountPath: code.path }
    : claim === undefined || claim === ''
      ? undefined
      : { claimName: claim, mountPath: mount.join(':') };

const makeRunner = async (): Promise<KubernetesRunner> => {
  const runner = await kubernetesRunner({
    cluster: { kubeconfig: real ?? standin?.kubeconfig ?? '' },
    agent: 'contract',
    stateDir: join(code.path, 'agent-state'),
    ...(codeVolume === undefined ? {} : { codeVolume }),
    retryMs: 100,
  });
  runners.push(runner);
  return runner;
};
const first = await makeRunner();

afterAll(async () => {
  for (const r of runners) r.close();
  await standin?.close();
  code.remove();
});

/** A runner that connects lazily (the contract asks for one synchronously, as a restarted agent). */
function lazyRunner(): Runner {
  const made = makeRunner();
  return {
    resource: first.resource,
    prepare: async (plan, onLine) => (await made).prepare(plan, onLine),
    start: async (plan, events) => (await made).start(plan, events),
    reattach: async (ref, events) => (await made).reattach(ref, events),
  };
}

describeRunnerContract(
  real === undefined ? 'kubernetes (API server stand-in)' : 'kubernetes (real cluster)',
  () => ({
    runner: lazyRunner,
    planExtras: { image: process.env.TMINUS_TEST_KUBE_IMAGE ?? 'busybox:1.36' },
    async isRunning(ref) {
      const [namespace, name] = ref.id.split('/');
      const { pods } = await first.api.listPods(namespace ?? '', `job-name=${name}`);
      return pods.some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending');
    },
  }),
);
