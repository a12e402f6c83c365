/**
 * What an agent reports about a run its engine (Slurm, Kubernetes) holds or takes away, over the
 * real HTTP API with a hand-driven agent: why a started run is held back (shown by `run explain`
 * and on the run while it is starting), and a preempted run re-queued by its queue's retry policy.
 */
import { randomUUID } from 'node:crypto';

import { launchAdd } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let job: string;

beforeAll(async () => {
  stack = await startStack();
  job = (
    await stack.api.request('createJob', {
      body: {
        project: 'p',
        name: 'held',
        source: {
          type: 'git',
          remote: '/tmp/some-repo',
          commit: 'a'.repeat(40),
          entrypoint: ['python3', 'main.py'],
        },
      },
    })
  ).job.ref;
});
afterAll(() => stack.close());

/** A queue, an item on it, and that item claimed and acknowledged by a hand-driven agent. */
async function claimedRun(maxAttempts = 1) {
  const api = stack.api;
  const queue = (
    await api.request('createQueue', {
      body: { name: `q-${randomUUID().slice(0, 8)}`, maxAttempts },
    })
  ).name;
  const queued = await launchAdd({ api, job, queueName: queue });
  const agent = await api.request('registerAgent', {
    body: { queues: [queue], hostname: 'test', maxJobs: 1, version: 'test' },
  });
  const claim = () =>
    api.request('claim', { params: { id: agent.id }, body: { waitMs: 0, active: 0 } });
  const { lease } = await claim();
  const fencingToken = lease!.fencingToken;
  const run = await api.request('ackItem', {
    params: { id: queued.id },
    body: { fencingToken, runId: `r${randomUUID().slice(0, 8)}` },
  });
  return { queued, run, fencingToken, claim };
}

describe('a run its engine holds back', () => {
  it('run explain and the run say why while it is starting; once it runs, they no longer do', async () => {
    const api = stack.api;
    const { queued, run, fencingToken } = await claimedRun();
    const waiting = {
      reason: 'Resources',
      message: 'Slurm job 7 is pending: the CPUs it asks for are in use by other jobs',
    };
    const held = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'starting', waiting },
    });
    expect(held).toMatchObject({ state: 'starting', waiting });
    const explained = await api.request('explainQueueItem', { params: { id: queued.id } });
    expect(explained.waiting).toEqual(waiting);
    expect(explained.message).toBe(
      `Not pending: it is run ${run.id} (starting), handed to local-process, which holds it back (Resources). ${waiting.message}`,
    );
    // Fenced like every report.
    await expect(
      api.request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken: 'stale', state: 'starting', waiting },
      }),
    ).rejects.toMatchObject({ code: 'STALE_TOKEN' });

    await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'running' },
    });
    // A late report of the reason changes nothing now.
    const late = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'starting', waiting },
    });
    expect(late).toMatchObject({ state: 'running', waiting: null });
    const after = await api.request('explainQueueItem', { params: { id: queued.id } });
    expect(after.message).toBe(`Not pending: it is run ${run.id} (running).`);
    expect(after.waiting).toBeUndefined();
  });
});

describe('a run its engine took away (preempted, node failure)', () => {
  const preempted = {
    state: 'preempted' as const,
    exitCode: 143,
    failure: { stage: 'run' as const, reason: 'preempted', message: 'Slurm preempted job 7' },
  };

  it('goes back on its queue as the next attempt when the queue allows one', async () => {
    const api = stack.api;
    const { queued, run, fencingToken, claim } = await claimedRun(2);
    await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, state: 'running' },
    });
    const requeued = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken, ...preempted, lines: [{ stream: 'stdout', text: 'last words' }] },
    });
    expect(requeued).toMatchObject({ state: 'pending', attempt: 2, agentId: null });
    const log = (await api.request('getLogs', { params: { id: run.id } })).lines.map((l) => l.text);
    expect(log).toEqual([
      'last words',
      '[tminus] Slurm preempted job 7; re-queued as attempt 2 of 2',
    ]);
    // The first attempt's agent no longer owns it; the next claim hands out the same run.
    await expect(
      api.request('updateRunStatus', {
        params: { id: run.id },
        body: { fencingToken, state: 'failed' },
      }),
    ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    const { lease } = await claim();
    expect(lease?.item).toMatchObject({ id: queued.id, runId: run.id });
    const second = await api.request('ackItem', {
      params: { id: queued.id },
      body: { fencingToken: lease!.fencingToken, runId: run.id },
    });
    expect(second).toMatchObject({ state: 'starting', attempt: 2 });
    // Its last attempt preempted too: the run ends preempted, with why.
    await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken: lease!.fencingToken, state: 'running' },
    });
    const ended = await api.request('updateRunStatus', {
      params: { id: run.id },
      body: { fencingToken: lease!.fencingToken, ...preempted },
    });
    expect(ended).toMatchObject({ state: 'preempted', attempt: 2, failure: preempted.failure });
  });

  it('ends preempted on a queue that retries none; stopped when the user was stopping it', async () => {
    const api = stack.api;
    const once = await claimedRun(1);
    await api.request('updateRunStatus', {
      params: { id: once.run.id },
      body: { fencingToken: once.fencingToken, state: 'running' },
    });
    expect(
      await api.request('updateRunStatus', {
        params: { id: once.run.id },
        body: { fencingToken: once.fencingToken, ...preempted },
      }),
    ).toMatchObject({ state: 'preempted', attempt: 1 });

    const cancelled = await claimedRun(3);
    await api.request('updateRunStatus', {
      params: { id: cancelled.run.id },
      body: { fencingToken: cancelled.fencingToken, state: 'running' },
    });
    await api.request('cancelRun', { params: { id: cancelled.run.id } });
    expect(
      await api.request('updateRunStatus', {
        params: { id: cancelled.run.id },
        body: { fencingToken: cancelled.fencingToken, ...preempted },
      }),
    ).toMatchObject({ state: 'stopped', attempt: 1 });
  });
});
