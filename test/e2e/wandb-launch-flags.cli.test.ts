/**
 * `wandb launch`'s flags through the real `tminus` binary against a real server: the build flags go
 * into the launch spec where W&B's CLI puts them, W&B's two-letter `-rg`/`-pq` work, and an agent
 * without a container runner refuses the run, naming what it has.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type QueueItem, QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { uploadCodeJob } from '../helpers/code-job.js';
import { createGitRepo } from '../helpers/git.js';
import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let job: string;
const cli = (args: string[]) =>
  runCli(args, { TMINUS_BASE_URL: stack.url, TMINUS_API_KEY: stack.apiKey, HOME: stack.dir });

beforeAll(async () => {
  stack = await startStack();
  const code = join(stack.dir, 'code');
  mkdirSync(code);
  writeFileSync(join(code, 'main.py'), 'print("hi")\n');
  job = (
    await uploadCodeJob(stack.api, code, {
      project: 'p',
      name: 'trainer',
      entrypoint: ['/usr/bin/python3', 'main.py'],
    })
  ).ref.replace(/:v\d+$/, ':latest');
  await stack.api.request('createQueue', { body: { name: 'docker', resource: 'local-container' } });
  await stack.api.request('createQueue', { body: { name: 'local' } });
});
afterAll(() => stack.close());

describe('tminus launch with W&B’s build flags', () => {
  it('-b, -D, -rg and -pq land in the spec as W&B’s CLI puts them', async () => {
    const r = await cli([
      'launch',
      '-j',
      job,
      '-q',
      'docker',
      '-b',
      '-D',
      'Dockerfile.gpu',
      '-rg',
      'registry.example.com/team/trainer',
      '-pq',
      'legacy-project',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const item = JSON.parse(r.stdout) as QueueItem;
    expect(item.projectQueue).toBe('legacy-project');
    expect(item.spec).toMatchObject({
      build: true,
      overrides: { dockerfile: 'Dockerfile.gpu' },
      registry: { url: 'registry.example.com/team/trainer' },
      resource: 'local-container',
    });
  });

  it('-u with -J, -B and --build-context: the job made from the uri has that name; the rest travels in the spec', async () => {
    const repo = createGitRepo(join(stack.dir, 'repo'));
    repo.commit({ 'main.py': 'print("hi")\n' });
    const r = await cli([
      'launch',
      '-u',
      repo.path,
      '-E',
      '/usr/bin/python3 main.py',
      '-J',
      'my-trainer',
      '-B',
      'python:3.12-slim',
      '--build-context',
      'src',
      '-q',
      'docker',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const item = JSON.parse(r.stdout) as QueueItem;
    expect(item.spec).toMatchObject({
      job: `${stack.entity}/repo/my-trainer:v0`,
      base_image: 'python:3.12-slim',
      build_context: 'src',
    });
  });

  it('a build on a local-process queue is refused at enqueue, in W&B’s words', async () => {
    const r = await cli(['launch', '-j', job, '-q', 'local', '-b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: Cannot build a docker image for the resource: local-process',
    );
    expect(r.stderr).toContain('hint: Queue local runs on local-process');
  });

  it('an agent without a container runner fails such a run, naming the runners it has', async () => {
    const r = await cli(['launch', '-j', job, '-q', 'docker', '-b', '--json']);
    const item = JSON.parse(r.stdout) as QueueItem;
    const agent = await stack.startAgent(['docker']);
    const waited = await cli(['run', 'wait', (await waitForRun(item.id)).id, '--json']);
    await agent.stop();
    const run = JSON.parse(waited.stdout) as { state: string; failure: { message: string } };
    expect(run.state).toBe('failed');
    expect(run.failure.message).toBe(
      'This agent has no runner for resource "local-container" (it has: local-process); start an agent that has one on this queue, or launch to a queue whose resource this agent runs',
    );
  });
});

async function waitForRun(itemId: string) {
  return (await QueuedRun.get(stack.api, itemId)).waitUntilStarted({ timeoutMs: 30_000 });
}
