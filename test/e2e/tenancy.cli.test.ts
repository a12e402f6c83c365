/**
 * Sharing a server from the command line, with the built binary: the admin of `tminus up` creates a
 * user and a team, gives an agent process an agent key for the team's queue, the user launches onto
 * it and the agent runs it; keys are listed by prefix and revoked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Api, QueuedRun } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.js';
import { type Spawned, spawnTminus } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';
import { startUp, type UpProcess } from '../helpers/up.js';

let up: UpProcess;
let agent: Spawned | undefined;
const dir = tempDir('tenancy-cli');

beforeAll(async () => {
  up = await startUp();
});
afterAll(async () => {
  await agent?.kill();
  await up.stop();
  dir.remove();
});

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

describe('users, teams and keys from the CLI', () => {
  let bobKey: string;
  /** The same binary, with another key than the config file's. */
  const runAs = (key: string, args: string[]) =>
    runCli(args, { ...up.env, TMINUS_API_KEY: key, TMINUS_BASE_URL: up.url });

  it('the first user of `tminus up` is a server admin; its local agent holds an agent key for `default` only', async () => {
    const who = json<{ kind: string; admin: boolean; user: string }>(
      (await up.cli(['whoami', '--json'])).stdout,
    );
    expect(who).toMatchObject({ kind: 'user', admin: true, user: 'alice' });
    const keys = json<{ kind: string; name: string; queues: string[] | null; revokedAt: null }[]>(
      (await up.cli(['key', 'list', '--json'])).stdout,
    );
    expect(keys).toContainEqual(
      expect.objectContaining({ kind: 'agent', name: 'tminus up agent', queues: ['default'] }),
    );
  });

  it('creates a user and a team, adds the user as a member; the key is printed once as {"apiKey": …}', async () => {
    const created = await up.cli(['user', 'create', 'bob', '--json']);
    expect(created.code).toBe(0);
    bobKey = json<{ apiKey: string }>(created.stdout).apiKey;
    expect(bobKey).toMatch(/^tmk_/);
    expect((await up.cli(['team', 'create', 'ml'])).stdout).toContain('you are its admin');
    expect((await up.cli(['team', 'add', 'ml', 'bob', '--role', 'member'])).stdout).toContain(
      'bob is now member of ml',
    );
    const bob = await runAs(bobKey, ['whoami']);
    expect(bob.stdout).toContain('user key "cli" of bob; default entity bob');
    expect(bob.stdout).toMatch(/ml\s+member/);
    // A member launches but does not manage queues.
    const refused = await runAs(bobKey, ['queue', 'create', 'gpu', '-e', 'ml']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('You are a member of "ml"; this needs the admin role');
  });

  it("an agent key runs the team's queue in a real agent process, and can do nothing else", async () => {
    const created = await up.cli([
      'key',
      'create',
      '--agent',
      '--entity',
      'ml',
      '--queue',
      'default',
      '--name',
      'rack-1',
      '--json',
    ]);
    const { apiKey } = json<{ apiKey: string }>(created.stdout);
    expect(apiKey).toMatch(/^tma_/);
    const listed = await up.cli(['key', 'list']);
    expect(listed.stdout).toContain(`${apiKey.slice(0, 12)}…`);
    expect(listed.stdout).not.toContain(apiKey);

    agent = spawnTminus(['agent', '-q', 'default', '-e', 'ml'], {
      ...up.env,
      TMINUS_API_KEY: apiKey,
      TMINUS_BASE_URL: up.url,
      TMINUS_DATA_DIR: join(dir.path, 'agent'),
    });
    await agent.waitFor('polling on queues default');

    const code = join(dir.path, 'code');
    mkdirSync(code);
    writeFileSync(
      join(code, 'main.py'),
      'import os\nprint("hello from", os.environ["WANDB_ENTITY"])\n',
    );
    const job = await runAs(bobKey, [
      'job',
      'create',
      'code',
      code,
      '-e',
      'ml',
      '-p',
      'demo',
      '-n',
      'hello',
    ]);
    expect(job.stdout).toContain('Created job ml/demo/hello:v0');
    const launched = await runAs(bobKey, [
      'launch',
      '-j',
      'ml/demo/hello:latest',
      '-q',
      'default',
      '-e',
      'ml',
      '--json',
    ]);
    expect(launched.code).toBe(0);
    const item = json<{ id: string }>(launched.stdout);
    const bob = new Api({ baseUrl: up.url, apiKey: bobKey });
    const run = await (await QueuedRun.get(bob, item.id)).waitUntilFinished({ timeoutMs: 30_000 });
    expect(run).toMatchObject({ state: 'finished', createdBy: 'bob', entity: 'ml' });
    const logs = await runAs(bobKey, ['run', 'logs', run.id]);
    expect(logs.stdout).toContain('hello from ml');

    // The agent key publishes nothing and reads no runs.
    const publish = await runAs(apiKey, ['job', 'create', 'code', code, '-e', 'ml', '-p', 'demo']);
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain('An agent key may only register agents');
    const read = await runAs(apiKey, ['run', 'list', '-e', 'ml']);
    expect(read.code).toBe(1);
  });

  it('a revoked key fails on its next use with a clear message', async () => {
    const keys = json<{ id: string; user: string; kind: string }[]>(
      (await up.cli(['key', 'list', '--json'])).stdout,
    );
    const bobs = keys.find((k) => k.user === 'bob' && k.kind === 'user')!;
    expect((await up.cli(['key', 'revoke', bobs.id])).stdout).toContain(`Revoked ${bobs.id}`);
    const after = await runAs(bobKey, ['whoami']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('was revoked');
  });
});
