/**
 * `tminus agent` (the real CLI, as a process) driving the Kubernetes API server STAND-IN
 * (test/helpers/kube-standin) from a launch-config.yaml's `kubernetes:` block, through a real
 * server: a run of a kubernetes queue becomes a Job in the configured namespace, its output and
 * config come back; what its account may not do is said at start; a Job whose pods a ResourceQuota forbids is explained by `run explain` with the
 * quota's message, and runs once the quota allows it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { launchAdd } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startKubeStandin, type KubeStandin } from '../helpers/kube-standin/server.js';
import { spawnTminus, type Spawned } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const QUOTA =
  'exceeded quota: team-gpus, requested: requests.nvidia.com/gpu=1, used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4';

let stack: TestStack;
let standin: KubeStandin;
let agent: Spawned;
let job: string;

beforeAll(async () => {
  stack = await startStack();
  standin = await startKubeStandin({ podsForbidden: QUOTA, forbidden: ['delete pods'] });
  await stack.api.request('createQueue', { body: { name: 'k8s', resource: 'kubernetes' } });
  const created = await stack.api.request('createJob', {
    body: {
      project: 'p',
      name: 'trainer',
      source: {
        type: 'image',
        image: 'trainer:v1',
        entrypoint: [
          'sh',
          '-c',
          'echo "config $(cat "$TMINUS_CONFIG_PATH")"; echo "run $TMINUS_RUN_ID"',
        ],
      },
    },
  });
  job = created.job.ref;
  const dir = join(stack.dir, 'agent');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'launch-config.yaml');
  writeFileSync(
    config,
    `queues: [k8s]\nmax_jobs: 4\nkubernetes:\n  kubeconfig: ${standin.kubeconfig}\n  namespace: ml-runs\n`,
  );
  agent = spawnTminus(['agent', '-c', config], {
    TMINUS_BASE_URL: stack.url,
    TMINUS_API_KEY: stack.apiKey,
    TMINUS_DATA_DIR: join(dir, 'data'),
  });
  await agent.waitFor(
    /Kubernetes runner: runs of "kubernetes" queues are Jobs on http:\/\/127\.0\.0\.1/,
  );
}, 60_000);

afterAll(async () => {
  await agent?.kill();
  await standin?.close();
  await stack?.close();
});

describe('tminus agent with a kubernetes: block in launch-config.yaml (API server stand-in)', () => {
  it('says at start what its account may not do in its namespace, with the Role that grants it', async () => {
    await agent.waitFor('Runs there will fail at that step');
    expect(agent.output()).toContain(
      "Kubernetes: in namespace ml-runs the agent's account may not delete pods (to stop a run with its grace period). Runs there will fail at that step.",
    );
    expect(agent.output()).toContain(
      'kind: Role\nmetadata: {name: tminus-agent, namespace: ml-runs}\nrules:\n  - {apiGroups: [""], resources: ["pods"], verbs: ["delete"]}',
    );
  });

  it("a Job its quota forbids: run explain gives the quota's message; once allowed, it runs in the configured namespace", async () => {
    const queued = await launchAdd({
      api: stack.api,
      job,
      queueName: 'k8s',
      config: { overrides: { run_config: { lr: 0.5 } } },
    });
    let explained = await queued.explain();
    while (explained.waiting === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      explained = await queued.explain();
    }
    expect(explained.waiting).toMatchObject({
      reason: 'FailedCreate',
      message: expect.stringContaining('exceeded quota: team-gpus'),
    });
    expect(standin.store.list('jobs', 'ml-runs')).toHaveLength(1);
    standin.admitPods();
    const run = await queued.waitUntilFinished({ timeoutMs: 60_000 });
    expect(run.state).toBe('finished');
    const lines = (await stack.api.request('getLogs', { params: { id: run.id } })).lines.map(
      (l) => l.text,
    );
    expect(lines).toEqual(expect.arrayContaining(['config {"lr":0.5}', `run ${run.id}`]));
  });
});
