/**
 * The HTTP contract of a real server: authentication, the error shape, the OpenAPI document, job
 * versioning and enqueue rules, over real HTTP on loopback.
 */
import { randomUUID } from 'node:crypto';

import { launchAdd, LaunchError } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
const gitSource = (entrypoint: string[]) => ({
  type: 'git' as const,
  remote: '/tmp/some-repo',
  commit: 'a'.repeat(40),
  entrypoint,
});

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('authentication and errors', () => {
  it('every endpoint requires an API key', async () => {
    for (const path of ['/api/v1/runs', '/api/v1/queues', '/api/v1/openapi.json']) {
      const response = await fetch(`${stack.url}${path}`);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { code: string; hint: string } };
      expect(body.error.code).toBe('UNAUTHENTICATED');
      expect(body.error.hint).toContain('tminus up');
    }
    const wrong = await fetch(`${stack.url}/api/v1/runs`, {
      headers: { authorization: 'Bearer tmk_wrong' },
    });
    expect(wrong.status).toBe(401);
  });

  it('a malformed body is a 400 naming the field', async () => {
    const response = await fetch(`${stack.url}/api/v1/queues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bad name!' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('body.name');
  });

  it('invalid JSON is a 400, an unknown route a 404, both in the error shape', async () => {
    const headers = { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' };
    const bad = await fetch(`${stack.url}/api/v1/queues`, { method: 'POST', headers, body: '{' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      'not valid JSON',
    );
    const missing = await fetch(`${stack.url}/api/v1/nothing`, { headers });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('serves the OpenAPI document generated from the route table', async () => {
    const response = await fetch(`${stack.url}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/queue-items']?.post?.operationId).toBe('enqueue');
    expect(doc.paths['/api/v1/runs/{id}']?.get?.operationId).toBe('getRun');
  });

  it('whoami names the key’s default entity', async () => {
    expect(await stack.api.request('whoami', {})).toMatchObject({ entity: stack.entity });
  });
});

describe('jobs', () => {
  it('versions v0, v1…; latest moves; identical sources are not versioned twice; aliases resolve', async () => {
    const first = await stack.api.request('createJob', {
      body: { project: 'p', name: 'j', source: gitSource(['main.py']) },
    });
    expect(first.action).toBe('created');
    expect(first.job.ref).toBe(`${stack.entity}/p/j:v0`);
    const same = await stack.api.request('createJob', {
      body: { project: 'p', name: 'j', source: gitSource(['main.py']) },
    });
    expect(same.action).toBe('unchanged');
    expect(same.job.version).toBe('v0');
    const second = await stack.api.request('createJob', {
      body: { project: 'p', name: 'j', source: gitSource(['train.py']), aliases: ['best'] },
    });
    expect(second.action).toBe('updated');
    expect(second.job.version).toBe('v1');
    expect(second.job.aliases.sort()).toEqual(['best', 'latest']);
    const latest = await stack.api.request('resolveJob', {
      query: { ref: `${stack.entity}/p/j:latest` },
    });
    expect(latest.version).toBe('v1');
    const v0 = await stack.api.request('resolveJob', { query: { ref: `${stack.entity}/p/j:v0` } });
    expect(v0.source).toMatchObject({ entrypoint: ['main.py'] });
    expect(
      (await stack.api.request('resolveJob', { query: { ref: `${stack.entity}/p/j:best` } }))
        .version,
    ).toBe('v1');
    const list = await stack.api.request('listJobs', { query: { project: 'p' } });
    expect(list.items).toEqual([expect.objectContaining({ name: 'j', versions: 2 })]);
  });

  it('a code job needs its snapshot uploaded first', async () => {
    const error = (await stack.api
      .request('createJob', {
        body: {
          project: 'p',
          name: 'c',
          source: { type: 'code', digest: `sha256:${'0'.repeat(64)}`, entrypoint: ['x.py'] },
        },
      })
      .catch((e: unknown) => e)) as LaunchError;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.hint).toContain('tminus job create code');
  });

  it.each([
    ['-uhack', 'must not start with "-"'],
    ['ssh://-oProxyCommand=x@host/a', 'which ssh would read as an option'],
    ['http://github.com/a/b', 'unauthenticated'],
    ['relative/path', 'is not a remote this agent can fetch'],
  ])(
    'refuses the git remote %s as the agent would (one rule for both)',
    async (remote, problem) => {
      const error = (await stack.api
        .request('createJob', {
          body: {
            project: 'p',
            name: 'evil',
            source: { type: 'git', remote, entrypoint: ['x.py'] },
          },
        })
        .catch((e: unknown) => e)) as LaunchError;
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(problem);
    },
  );
});

describe('enqueue', () => {
  it('a retried request with the same idempotency key returns the same queued run', async () => {
    await stack.api.request('createQueue', { body: { name: 'idem' } });
    await stack.api.request('createJob', {
      body: { project: 'p', name: 'k', source: gitSource(['main.py']) },
    });
    const key = randomUUID();
    const a = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'idem',
      idempotencyKey: key,
    });
    const b = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'idem',
      idempotencyKey: key,
    });
    expect(b.id).toBe(a.id);
    const c = await launchAdd({ api: stack.api, job: `${stack.entity}/p/k`, queueName: 'idem' });
    expect(c.id).not.toBe(a.id);
  });

  it('pins the job version at enqueue time', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k:latest`,
      queueName: 'idem',
    });
    const item = await queued.item();
    expect(item.spec.job).toBe(`${stack.entity}/p/k:v0`);
    expect(item.spec.resource).toBe('local-process');
  });

  it('resolves an alias at every enqueue (it moves), a pinned version once (it never changes)', async () => {
    const create = (entrypoint: string) =>
      stack.api.request('createJob', {
        body: { project: 'p', name: 'moving', source: gitSource([entrypoint]) },
      });
    const pinnedJob = async (job: string) =>
      (await (await launchAdd({ api: stack.api, job, queueName: 'idem' })).item()).spec.job;
    await create('a.py');
    expect(await pinnedJob(`${stack.entity}/p/moving:latest`)).toBe(`${stack.entity}/p/moving:v0`);
    expect(await pinnedJob(`${stack.entity}/p/moving:v0`)).toBe(`${stack.entity}/p/moving:v0`);
    await create('b.py');
    expect(await pinnedJob(`${stack.entity}/p/moving:latest`)).toBe(`${stack.entity}/p/moving:v1`);
    // Two parts take the key's entity (the SDK always sends three; other clients may not).
    expect(
      (
        await stack.api.request('enqueue', {
          body: { queue: 'idem', spec: { job: 'p/moving:v0' } },
        })
      ).spec.job,
    ).toBe(`${stack.entity}/p/moving:v0`);
    const missing = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/moving:v7`,
      queueName: 'idem',
    }).catch((e: unknown) => e)) as LaunchError;
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('a non-default priority on a queue without prioritisation is refused with a fix', async () => {
    await stack.api.request('createQueue', { body: { name: 'flat', prioritization: false } });
    const error = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'flat',
      priority: 1,
    }).catch((e: unknown) => e)) as LaunchError;
    expect(error).toBeInstanceOf(LaunchError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('prioritization');
    expect(error.hint).toContain('--prioritization on');
  });

  it('validates template variables against the queue’s schemas and fills them into resource_args', async () => {
    await stack.api.request('createQueue', {
      body: {
        name: 'tmpl',
        config: { gpus: '{{gpus}}', image: 'trainer:{{tier}}' },
        templateVariables: {
          gpus: { type: 'integer', minimum: 0, maximum: 4 },
          tier: { type: 'string', enum: ['s', 'l'] },
        },
      },
    });
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'tmpl',
      templateVariables: { gpus: 2, tier: 'l' },
    });
    expect((await queued.item()).spec.resource_args).toEqual({
      'local-process': { gpus: 2, image: 'trainer:l' },
    });
    const error = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'tmpl',
      templateVariables: { gpus: 9 },
    }).catch((e: unknown) => e)) as LaunchError;
    expect(error.message).toContain('Value for gpus must be at most 4');
  });

  it('merges the spec’s template_variables under the request’s, key by key (W&B’s launch_add), in the SDK and on the server', async () => {
    const viaSdk = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'tmpl',
      config: { template_variables: { gpus: 1, tier: 's' } },
      templateVariables: { gpus: 3 },
    });
    const viaApi = await stack.api.request('enqueue', {
      body: {
        queue: 'tmpl',
        spec: { job: `${stack.entity}/p/k`, template_variables: { gpus: 1, tier: 's' } },
        templateVariables: { gpus: 3 },
      },
    });
    for (const item of [await viaSdk.item(), viaApi]) {
      expect(item.spec.resource_args).toEqual({ 'local-process': { gpus: 3, image: 'trainer:s' } });
      expect(item.templateVariables).toEqual({ gpus: 3, tier: 's' });
      expect(item.spec).not.toHaveProperty('template_variables');
    }
  });

  it('a template variable left unfilled is an error naming it, not a literal {{tier}} in resource_args', async () => {
    const missing = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'tmpl',
      templateVariables: { gpus: 2 },
    }).catch((e: unknown) => e)) as LaunchError;
    expect(missing.code).toBe('INVALID_ARGUMENT');
    expect(missing.message).toBe(
      'Queue tmpl needs a value for its template variable tier (it has no default)',
    );
    expect(missing.hint).toContain('--set-var tier=');
    await stack.api.request('createQueue', {
      body: { name: 'undeclared', config: { image: 'trainer:{{tag}}' } },
    });
    const undeclared = (await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'undeclared',
    }).catch((e: unknown) => e)) as LaunchError;
    expect(undeclared.message).toBe(
      "Queue undeclared's config uses {{tag}}, which is not one of its template variables, so no launch can fill it in",
    );
  });

  it('reads an empty entity, project, name or run id as not set (W&B keeps them in the spec, and so does the SDK)', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'flat',
      entity: '',
      project: '',
      name: '',
      runId: '',
    });
    const { spec } = await queued.item();
    expect(spec).toMatchObject({ entity: stack.entity, project: 'p' });
    expect(spec).not.toHaveProperty('name');
    expect(spec).not.toHaveProperty('run_id');
    expect(queued).toMatchObject({ entity: stack.entity, project: 'p' });
  });

  it('a QueuedRun carries the server’s warnings, e.g. the queue replacing the requested resource', async () => {
    const queued = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'flat',
      resource: 'kubernetes',
    });
    expect(queued.warnings).toEqual([
      'Queue flat runs on local-process; the spec\'s resource "kubernetes" was replaced.',
    ]);
    const plain = await launchAdd({
      api: stack.api,
      job: `${stack.entity}/p/k`,
      queueName: 'flat',
    });
    expect(plain.warnings).toEqual([]);
  });
});

describe('run reports', () => {
  it('a retried log append, or a retried final report with lines, whose first attempt landed adds nothing twice', async () => {
    const { run, fencingToken } = await stack.api.request('createDirectRun', {
      body: { spec: { project: 'p', name: 'retried' } },
    });
    const append = (from: number, ...texts: string[]) =>
      stack.api.request('appendLogs', {
        params: { id: run.id },
        body: {
          fencingToken,
          from,
          lines: texts.map((text) => ({ stream: 'stdout' as const, text })),
        },
      });
    await append(0, 'one', 'two');
    await append(0, 'one', 'two'); // the answer to the first was lost; the agent sends it again
    await append(2, 'three');
    await stack.api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'running' },
    });
    const end = {
      fencingToken,
      state: 'finished' as const,
      exitCode: 0,
      lines: [{ stream: 'stdout' as const, text: 'four' }],
      linesFrom: 3,
    };
    await stack.api.request('updateRunStatus', { params: { id: run.id }, body: end });
    await stack.api.request('updateRunStatus', { params: { id: run.id }, body: end });
    const page = await stack.api.request('getLogs', { params: { id: run.id } });
    expect(page.lines.map((l) => l.text)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('a status report may carry the run’s last log lines: appended in order before the state changes; fenced like both', async () => {
    const { run, fencingToken } = await stack.api.request('createDirectRun', {
      body: { spec: { project: 'p', name: 'reported' } },
    });
    await stack.api.request('appendLogs', {
      params: { id: run.id },
      body: { fencingToken, lines: [{ stream: 'stdout', text: 'one' }] },
    });
    const lines = [
      { stream: 'stdout' as const, text: 'two' },
      { stream: 'stderr' as const, text: 'three' },
    ];
    const ended = await stack.api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'failed', exitCode: 1, lines },
    });
    expect(ended).toMatchObject({ state: 'failed', exitCode: 1 });
    const page = await stack.api.request('getLogs', { params: { id: run.id } });
    expect(page.lines.map((l) => [l.seq, l.stream, l.text])).toEqual([
      [0, 'stdout', 'one'],
      [1, 'stdout', 'two'],
      [2, 'stderr', 'three'],
    ]);
    expect(page.done).toBe(true);
    await expect(
      stack.api.request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken: 'stale', state: 'failed', lines: [{ stream: 'stdout', text: 'x' }] },
      }),
    ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    expect((await stack.api.request('getLogs', { params: { id: run.id } })).lines).toHaveLength(3);
  });

  it('a cancel between the ack and the agent’s `running` report wins: the run stays stopping, then ends stopped', async () => {
    const api = stack.api;
    const queue = (
      await api.request('createQueue', { body: { name: `cas-${randomUUID().slice(0, 8)}` } })
    ).name;
    const job = (
      await api.request('createJob', {
        body: { project: 'p', name: 'cas', source: gitSource(['python3', 'main.py']) },
      })
    ).job.ref;
    const queued = await launchAdd({ api, job, queueName: queue });
    const agent = await api.request('registerAgent', {
      body: { queues: [queue], hostname: 'test', maxJobs: 1, version: 'test' },
    });
    const { lease } = await api.request('claim', {
      params: { id: agent.id },
      body: { waitMs: 0, active: 0 },
    });
    expect(lease?.item.id).toBe(queued.id);
    const fencingToken = lease!.fencingToken;
    // The server remembers the run as `starting` (its ack wrote that); the cancel moves it on unseen by the report.
    const run = await api.request('ackItem', {
      params: { id: queued.id },
      body: { fencingToken, runId: `cas${randomUUID().slice(0, 8)}` },
    });
    expect(run.state).toBe('starting');
    expect((await api.request('cancelRun', { params: { id: run.id } })).state).toBe('stopping');
    const reported = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'running' },
    });
    expect(reported.state).toBe('stopping');
    expect(reported.startedAt).not.toBeNull();
    // From stopping, `running` again is still not a way back; the agent then says how it ended.
    expect(
      (
        await api.request('updateRunStatus', {
          params: { id: run.id },
          body: { fencingToken, state: 'running' },
        })
      ).state,
    ).toBe('stopping');
    const ended = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'stopped', exitCode: 143 },
    });
    expect(ended).toMatchObject({ state: 'stopped', exitCode: 143 });
    expect(ended.startedAt).toBe(reported.startedAt);
    expect(ended.finishedAt).not.toBeNull();
    await expect(
      api.request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken, state: 'running' },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
