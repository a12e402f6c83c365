/**
 * The live boards of the web UI (`watchQueues`, `watchAgents`) against a real server: a held watch
 * answers when a run is enqueued or an agent registers, and one whose digest is current is held
 * through changes it does not show. No assertion depends on timing: a watch held wrongly would time
 * out (the test fails), and one answered wrongly early would carry its old digest — each held watch
 * is awaited only after the later change it must wait for, and its answer must include that change.
 */
import { Api } from '@tminus/sdk';
import type { AgentsBoard, QueuesBoard } from '@tminus/sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
/** Another user, whose personal entity is "olga": her changes are not on the tester's boards. */
let olga: Api;
let testerJob: string;
let olgaJob: string;
/**
 * As long as the route allows, and as long as the test's own time limit (vitest's 60 s): a watch
 * that no wake-up reaches answers only at `waitMs` — changed, so its content alone would pass — and
 * the test runs out of time first. A correct server answers as soon as it is woken.
 */
const HOLD = { waitMs: 60_000 };

const gitSource = {
  type: 'git' as const,
  remote: '/tmp/some-repo',
  commit: 'a'.repeat(40),
  entrypoint: ['main.py'],
};

beforeAll(async () => {
  stack = await startStack();
  const user = await stack.api.request('createUser', { body: { name: 'olga' } });
  olga = new Api({ baseUrl: stack.url, apiKey: user.apiKey });
  testerJob = (
    await stack.api.request('createJob', { body: { project: 'p', name: 'j', source: gitSource } })
  ).job.ref;
  olgaJob = (
    await olga.request('createJob', { body: { project: 'p', name: 'j', source: gitSource } })
  ).job.ref;
});
afterAll(() => stack.close());

const queuesNow = () => stack.api.request('watchQueues', { query: {} });
const agentsNow = () => stack.api.request('watchAgents', { query: {} });
const itemIds = (board: QueuesBoard) => board.queues.flatMap((q) => q.items.map((i) => i.item.id));
const agentIds = (board: AgentsBoard) => board.agents.map((a) => a.agent.id);
const register = (api: Api, hostname: string) =>
  api.request('registerAgent', {
    body: { queues: ['default'], hostname, maxJobs: 2, version: 'test' },
  });

describe('the queues board', () => {
  it('a held watch answers when a run is enqueued, with why it waits', async () => {
    const before = await queuesNow();
    expect(before.queues.map((q) => q.queue.name)).toContain('default');
    const held = stack.api.request('watchQueues', { query: { unless: before.digest, ...HOLD } });
    const item = await stack.api.request('enqueue', {
      body: { queue: 'default', spec: { job: testerJob } },
    });
    const after = await held;
    expect(after.digest).not.toBe(before.digest);
    const shown = after.queues
      .find((q) => q.queue.name === 'default')
      ?.items.find((i) => i.item.id === item.id);
    expect(shown?.why?.message).toMatch(/no agent has polled this queue/);
    // The board's sentence is explainQueueItem's, word for word.
    const explained = await stack.api.request('explainQueueItem', { params: { id: item.id } });
    expect(shown?.why).toEqual(explained);
  });

  it('a watch whose digest is current is held through changes of another entity', async () => {
    const current = await queuesNow();
    const held = stack.api.request('watchQueues', { query: { unless: current.digest, ...HOLD } });
    // Changes that wake every queue watcher but are not on the tester's board.
    await olga.request('enqueue', { body: { queue: 'default', spec: { job: olgaJob } } });
    await olga.request('createQueue', { body: { name: 'elsewhere' } });
    await register(olga, 'olgas-box');
    // The one it shows: the answer must carry it, so it cannot have come before it.
    const item = await stack.api.request('enqueue', {
      body: { queue: 'default', spec: { job: testerJob }, priority: 2 },
    });
    const answer = await held;
    expect(answer.digest).not.toBe(current.digest);
    expect(itemIds(answer)).toContain(item.id);
    expect(answer.queues.map((q) => q.queue.name)).not.toContain('elsewhere');
  });

  it('answers at once when the digest is not current, and lists the agents polling a queue', async () => {
    const agent = await register(stack.api, 'gpu-box');
    const answer = await stack.api.request('watchQueues', { query: { unless: 'stale', ...HOLD } });
    const queue = answer.queues.find((q) => q.queue.name === 'default');
    expect(queue?.agents.map((a) => a.id)).toContain(agent.id);
    // Pending items come first, in dispatch order, each with its position.
    const positions = queue?.items.map((i) => i.why?.position);
    expect(positions).toEqual(positions?.map((_, i) => i + 1));
  });
});

describe('the agents board', () => {
  it('a held watch answers when an agent registers, and when an agent reports a new status', async () => {
    const before = await agentsNow();
    const held = stack.api.request('watchAgents', { query: { unless: before.digest, ...HOLD } });
    const agent = await register(stack.api, 'new-box');
    const after = await held;
    expect(agentIds(after)).toContain(agent.id);

    const next = stack.api.request('watchAgents', { query: { unless: after.digest, ...HOLD } });
    await stack.api.request('heartbeat', {
      params: { id: agent.id },
      body: { status: 'running', runs: [] },
    });
    const reported = await next;
    expect(reported.agents.find((a) => a.agent.id === agent.id)?.agent.status).toBe('running');
  });

  it('a watch whose digest is current is held through changes it does not show', async () => {
    const current = await agentsNow();
    const held = stack.api.request('watchAgents', { query: { unless: current.digest, ...HOLD } });
    await register(olga, 'olgas-other-box');
    await olga.request('createDirectRun', { body: { spec: { project: 'p' } } });
    const agent = await register(stack.api, 'later-box');
    const answer = await held;
    expect(answer.digest).not.toBe(current.digest);
    expect(agentIds(answer)).toContain(agent.id);
    expect(answer.agents.map((a) => a.agent.hostname)).not.toContain('olgas-other-box');
  });
});

describe('who may watch', () => {
  it('a user of another entity gets nothing of it', async () => {
    for (const route of ['watchQueues', 'watchAgents'] as const) {
      const refused = await olga
        .request(route, { query: { entity: stack.entity } })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'NOT_FOUND' });
    }
    const own = await olga.request('watchAgents', { query: {} });
    expect(own.agents.every((a) => a.agent.entity === 'olga')).toBe(true);
  });
});
