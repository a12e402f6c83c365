/**
 * Containers end to end: a real server, real `tminus agent` processes with the local-container runner,
 * a real docker (and podman) and a real registry on loopback (scripts/container-stack.sh), driven by
 * the real CLI. What a user of a container queue sees: an image job reads its config, a cancelled
 * container stops and is gone, an agent killed with -9 is restarted and re-attaches, a refused
 * resource_args key, a failing build with its log, and a code job built once, pushed, then pulled and
 * run by a second agent whose engine has no image of it. After every test no container of its runs
 * is left. Skipped, saying why, when the container stack cannot be had.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Run } from '@tminus/sdk/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  type ContainerEngine,
  detectEngine,
} from '../../packages/tminus/src/runners/container-engine/index.js';
import { runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { containerStack } from '../helpers/containers.js';
import { spawnTminus, type Spawned } from '../helpers/processes.js';
import { startStack, type TestStack } from '../helpers/stack.js';

const { stack: containers, skipReason } = await containerStack();
const pythonSkip = skipReason ?? containers?.pythonSkipReason;
const podmanSkip = pythonSkip ?? containers?.podmanSkipReason;
const named = (title: string, skip: string | undefined) =>
  skip === undefined ? title : `${title} — ${skip}`;

let stack: TestStack;
let docker: ContainerEngine;
const agents: Spawned[] = [];
/** Runs each test made: none of their containers may be left after it. */
const runIds = new Set<string>();
/** Images tests built (removed at the end). */
const jobPaths = new Set<string>();
const QUEUE = 'ctr';
const BUILD_QUEUE = 'ctr-build';
const suffix = randomBytes(3).toString('hex');

function cliEnv(): NodeJS.ProcessEnv {
  return { TMINUS_BASE_URL: stack.url, TMINUS_API_KEY: stack.apiKey };
}

/** `tminus agent -q <queue>` with the engine `kind`, its builder's base image the test Python image. */
function agentProcess(name: string, kind: 'docker' | 'podman', queue = QUEUE): Spawned {
  const dir = join(stack.dir, `agent-${name}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'launch-config.yaml');
  writeFileSync(
    config,
    `builder:\n  type: docker\n  base_image: ${containers?.pythonImage ?? 'python:3.11-slim'}\n`,
  );
  const agent = spawnTminus(['agent', '-q', queue, '--max-jobs', '4', '-c', config], {
    ...cliEnv(),
    ...containers?.env,
    TMINUS_DATA_DIR: join(dir, 'data'),
    TMINUS_CONTAINER_ENGINE: kind,
  });
  agents.push(agent);
  return agent;
}

async function launch(args: string[], queue = QUEUE): Promise<{ id: string }> {
  const r = await runCli(['launch', '-q', queue, '--json', ...args], cliEnv());
  if (r.code !== 0) throw new Error(`tminus launch failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { id: string };
}

async function runOf(itemId: string): Promise<Run> {
  for (;;) {
    const item = await stack.api.request('getQueueItem', { params: { id: itemId } });
    if (item.runId !== null) {
      runIds.add(item.runId);
      return stack.api.request('getRun', { params: { id: item.runId } });
    }
    if (item.state === 'failed') throw new Error(`item ${itemId} failed: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitRun(runId: string): Promise<Run> {
  const r = await runCli(['run', 'wait', runId, '--json'], cliEnv());
  return JSON.parse(r.stdout) as Run;
}

async function logText(runId: string): Promise<string[]> {
  return (await stack.api.request('getLogs', { params: { id: runId } })).lines.map((l) => l.text);
}

/** Resolves once the run's log has a line matching `pattern`. */
async function lineOf(runId: string, pattern: RegExp): Promise<string> {
  let after = -1;
  for (;;) {
    const page = await stack.api.request('getLogs', {
      params: { id: runId },
      query: { after, waitMs: 20_000 },
    });
    const line = page.lines.find((l) => pattern.test(l.text));
    if (line !== undefined) return line.text;
    if (page.done) throw new Error(`run ${runId} ended without a line matching ${pattern}`);
    after = page.next;
  }
}

/** Containers (running or not) of the runs the tests made, on both engines. */
async function containersLeft(): Promise<string[]> {
  const left: string[] = [];
  for (const runId of runIds)
    left.push(...(await docker.list({ 'tminus.run-id': runId })).map((c) => c.name));
  return left;
}

beforeAll(async () => {
  stack = await startStack();
  await stack.api.request('createQueue', { body: { name: QUEUE, resource: 'local-container' } });
  if (containers !== undefined)
    docker = await detectEngine({ engine: 'docker', env: containers.env });
}, 60_000);

afterEach(async () => {
  if (containers === undefined) return;
  // `docker ps -a` is clean: every container of a run that has ended is gone.
  expect(await containersLeft()).toEqual([]);
});

afterAll(async () => {
  for (const agent of agents) await agent.kill('SIGKILL');
  if (containers !== undefined) {
    for (const runId of runIds)
      for (const c of await docker.list({ 'tminus.run-id': runId }))
        await docker.remove(c.id, { force: true });
    // Built on docker, pulled by podman: removed from both image stores.
    const podman =
      containers.podmanSkipReason === undefined
        ? await detectEngine({ engine: 'podman', env: containers.env })
        : undefined;
    for (const engine of podman === undefined ? [docker] : [docker, podman])
      for (const path of jobPaths)
        for (const image of await engine.listImages({ 'tminus.job': path }))
          await engine.removeImage(image, { force: true });
  }
  await stack.close();
}, 60_000);

describe('resource_args["local-container"] at enqueue', () => {
  it('a key W&B does not allow is refused with its name, and nothing is queued', async () => {
    const r = await runCli(
      [
        'launch',
        '-q',
        QUEUE,
        '-p',
        'p',
        '-d',
        'busybox:1',
        '-R',
        '{"local-container": {"volume": "/:/host"}}',
      ],
      cliEnv(),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'resource_args["local-container"].volume is refused: a run sees only its own source and config file',
    );
    const { items } = await stack.api.request('listQueueItems', {
      params: { entity: stack.entity, name: QUEUE },
      query: { state: 'pending' },
    });
    expect(items).toEqual([]);
  });
});

describe.skipIf(skipReason !== undefined)(named('image jobs in a container', skipReason), () => {
  let agent: Spawned;
  beforeAll(async () => {
    agent = agentProcess('images', 'docker');
    await agent.waitFor('polling on queues');
  }, 30_000);

  it('an image job runs in its image and reads its config from WANDB_CONFIG', async () => {
    const { job } = await stack.api.request('createJob', {
      body: {
        project: 'p',
        name: `img-${suffix}`,
        source: {
          type: 'image',
          image: containers!.busyboxImage,
          entrypoint: [
            'sh',
            '-c',
            'echo "config $WANDB_CONFIG"; echo "file $(cat "$TMINUS_CONFIG_PATH")"; echo "greeting $GREETING"',
          ],
        },
      },
    });
    const item = await launch([
      '-j',
      job.ref,
      '-c',
      '{"overrides": {"run_config": {"lr": 0.5}}}',
      '-R',
      '{"local-container": {"memory": "256m", "env": ["GREETING=hi"]}}',
    ]);
    const run = await waitRun((await runOf(item.id)).id);
    expect(run.state).toBe('finished');
    expect(await logText(run.id)).toEqual(
      expect.arrayContaining(['config {"lr":0.5}', 'file {"lr":0.5}', 'greeting hi']),
    );
  });

  it('cancel of a running container: the run is stopped and the container gone', async () => {
    const item = await launch([
      '-p',
      'p',
      '-d',
      containers!.busyboxImage,
      '-E',
      'sh -c "echo ready; sleep 600"',
    ]);
    const { id } = await runOf(item.id);
    await lineOf(id, /^ready$/);
    expect((await docker.list({ 'tminus.run-id': id })).map((c) => c.status)).toEqual(['running']);
    const cancelled = await runCli(['run', 'cancel', id], cliEnv());
    expect(cancelled.code).toBe(0);
    const run = await waitRun(id);
    expect(run.state).toBe('stopped');
    expect(await docker.list({ 'tminus.run-id': id })).toEqual([]);
  });

  it('an agent killed with -9: the restarted agent re-attaches and the run ends with all of its output', async () => {
    const dataAgent = agentProcess('killed', 'docker', `${QUEUE}-kill`);
    await stack.api.request('createQueue', {
      body: { name: `${QUEUE}-kill`, resource: 'local-container' },
    });
    await dataAgent.waitFor('polling on queues');
    const r = await runCli(
      [
        'launch',
        '-q',
        `${QUEUE}-kill`,
        '--json',
        '-p',
        'p',
        '-d',
        containers!.busyboxImage,
        '-E',
        'sh -c "echo one; sleep 4; echo two; echo three"',
      ],
      cliEnv(),
    );
    const { id } = await runOf((JSON.parse(r.stdout) as { id: string }).id);
    await lineOf(id, /^one$/);
    await dataAgent.kill('SIGKILL');
    // The container outlives its agent.
    expect((await docker.list({ 'tminus.run-id': id })).map((c) => c.status)).toEqual(['running']);
    const again = agentProcess('killed', 'docker', `${QUEUE}-kill`);
    await again.waitFor(`run ${id}: left by a previous agent; re-attached`);
    const run = await waitRun(id);
    expect(run.state).toBe('finished');
    // Every line once, in order: the restarted agent read on from where the first one stopped.
    expect((await logText(id)).filter((l) => !l.startsWith('tminus:'))).toEqual([
      'one',
      'two',
      'three',
    ]);
    await again.kill();
  }, 60_000);
});

describe.skipIf(pythonSkip !== undefined)(named('code jobs built into images', pythonSkip), () => {
  let agent: Spawned;
  const registry = containers?.registry ?? '';
  beforeAll(async () => {
    await stack.api.request('createQueue', {
      body: { name: BUILD_QUEUE, resource: 'local-container' },
    });
    agent = agentProcess('builds', 'docker', BUILD_QUEUE);
    await agent.waitFor('polling on queues');
  }, 30_000);

  async function codeJob(name: string, files: Record<string, string>, entrypoint: string[]) {
    const dir = join(stack.dir, `code-${name}`);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    const job = await uploadCodeJob(stack.api, dir, { project: 'p', name, entrypoint });
    jobPaths.add(`${stack.entity}/p/${name}`);
    return job;
  }

  it('a failing build fails the run at stage build, its log tail in run show and run explain', async () => {
    const job = await codeJob(
      `broken-${suffix}`,
      {
        'Dockerfile.tminus': `FROM ${containers!.pythonImage}\nRUN echo "compiling the thing" && exit 3\n`,
        'train.py': 'print("never")\n',
      },
      ['python3', 'train.py'],
    );
    const item = await launch(['-j', job.ref], BUILD_QUEUE);
    const run = await waitRun((await runOf(item.id)).id);
    expect(run.state).toBe('failed');
    expect(run.failure).toMatchObject({ stage: 'build', reason: 'build_failed' });
    expect(run.failure?.message).toContain('Last lines of the build log:');
    expect(run.failure?.message).toContain('compiling the thing');
    const shown = await runCli(['run', 'show', run.id], cliEnv());
    expect(shown.stdout).toContain('failed at stage build');
    expect(shown.stdout).toContain('compiling the thing');
    const explained = await runCli(['run', 'explain', item.id], cliEnv());
    expect(explained.stdout).toContain(`it is run ${run.id} (failed); it failed at stage build`);
    expect(explained.stdout).toContain('compiling the thing');
    // The whole build output is kept in the run's log.
    expect(await logText(run.id)).toEqual(
      expect.arrayContaining([expect.stringContaining('compiling the thing')]),
    );
  }, 120_000);

  (podmanSkip === undefined ? it : it.skip)(
    named(
      'a code job with requirements is built once and pushed; a second agent with an empty image cache pulls and runs it',
      podmanSkip,
    ),
    async () => {
      const job = await codeJob(
        `train-${suffix}`,
        {
          // No package index is reachable here: the requirements name none to install.
          'requirements.txt': '# numpy would go here\n',
          'train.py':
            'import json, os\nprint("lr", json.loads(os.environ["WANDB_CONFIG"])["lr"], "in", os.getcwd(), "as", os.getuid())\n',
        },
        ['python3', 'train.py'],
      );
      const repository = `${registry}/tminus-e2e-${suffix}`;
      const build = ['-j', job.ref, '-b', '-rg', repository];
      const config = (lr: number) => ['-c', JSON.stringify({ overrides: { run_config: { lr } } })];

      const first = await waitRun(
        (await runOf((await launch([...build, ...config(0.1)], BUILD_QUEUE)).id)).id,
      );
      expect(first.state).toBe('finished');
      const firstLog = await logText(first.id);
      expect(firstLog).toContain('lr 0.1 in /app as 1000');
      expect(firstLog.filter((l) => l.startsWith(`tminus: building ${repository}:`))).toHaveLength(
        1,
      );

      // The same version again: nothing is built.
      const second = await waitRun(
        (await runOf((await launch([...build, ...config(0.2)], BUILD_QUEUE)).id)).id,
      );
      expect(second.state).toBe('finished');
      const secondLog = await logText(second.id);
      expect(secondLog).toContain('lr 0.2 in /app as 1000');
      expect(secondLog.filter((l) => l.startsWith('tminus: building'))).toEqual([]);
      expect(secondLog).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/exists on this machine; nothing to build$/),
        ]),
      );

      // A second agent on podman (its own image store, which has no such image) pulls and runs it.
      await agent.kill();
      const podmanAgent = agentProcess('podman', 'podman', BUILD_QUEUE);
      await podmanAgent.waitFor('polling on queues');
      const podman = await detectEngine({ engine: 'podman', env: containers!.env });
      const third = await waitRun(
        (await runOf((await launch([...build, ...config(0.3)], BUILD_QUEUE)).id)).id,
      );
      await podmanAgent.kill();
      expect(third.state).toBe('finished');
      const thirdLog = await logText(third.id);
      expect(thirdLog, thirdLog.join('\n')).toContain('lr 0.3 in /app as 1000');
      expect(thirdLog).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/pulled from the repository; nothing to build$/),
        ]),
      );
      expect(await podman.list({ 'tminus.run-id': third.id })).toEqual([]);
    },
    300_000,
  );
});
