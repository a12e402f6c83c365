/**
 * @module The part of the store contract about leases and attempts: re-queueing a run its engine lost, why an engine holds a run, expired leases, the start timeout. Run by `describeStoreContract` against every adapter.
 */
import { Run } from '@tminus/sdk/protocol';
import { beforeEach, expect, it } from 'vitest';

import { contractFixtures, wire } from './contract-fixtures.js';
import type { Store } from './store.js';

export function describeLeaseContract(current: () => Store, now: () => number): void {
  const { queue, item, newRun, leasedRun } = contractFixtures(current, now);
  // Read at each use: the suite opens a new store before each test.
  let store: Store;
  beforeEach(() => {
    store = current();
  });
  it('requeueRun puts a run its engine lost back on its queue as the next attempt (fenced, conditional)', async () => {
    await leasedRun(2);
    const retry = { ifState: 'running' as const, newToken: 'a2', now: 300, line: 'preempted' };
    await expect(store.requeueRun('r', 'zz', retry)).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    await expect(store.requeueRun('nope', 'a1', retry)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // Decided from a stale view (it is not starting): nothing changes.
    expect(await store.requeueRun('r', 'a1', { ...retry, ifState: 'starting' })).toBeUndefined();
    const requeued = await store.requeueRun('r', 'a1', retry);
    wire(Run, requeued);
    expect(requeued).toMatchObject({ state: 'pending', attempt: 2, agentId: null });
    expect(await store.getQueueItem('i')).toMatchObject({ state: 'pending', runId: 'r' });
    expect((await store.readLogs('r', -1, 10)).at(-1)).toMatchObject({
      stream: 'system',
      text: 'preempted',
    });
    // The old owner is fenced off; the next claim gets the same run as attempt 2.
    await expect(store.updateRun('r', 'a1', { state: 'preempted' })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    const again = await store.claim({
      queueId: 'q_q',
      agentId: 'ag2',
      fencingToken: 'a3',
      now: 400,
      leaseExpiresAt: 500,
    });
    expect(again?.runId).toBe('r');
    expect(
      await store.ackItem('i', 'a3', newRun('r', 'a3', { state: 'starting', leaseExpiresAt: 500 })),
    ).toMatchObject({ attempt: 2, state: 'starting' });
    // A direct run has no queue to go back to.
    await store.createRun(newRun('d', 'tk', { state: 'running' }));
    expect(await store.requeueRun('d', 'tk', { ...retry, newToken: 'x' })).toBeUndefined();
  });

  it("a run's history holds every change of its state, whoever made it, once each and in order", async () => {
    await leasedRun(2, 'starting');
    const before = Date.now();
    await store.updateRun('r', 'a1', { state: 'running', startedAt: 1_000 });
    await store.updateRun('r', 'a1', { sourceCommit: 'abc' }); // no state change: nothing recorded
    await store.requeueRun('r', 'a1', { ifState: 'running', newToken: 'a2', now: 300, line: 'x' });
    await store.claim({
      queueId: 'q_q',
      agentId: 'ag2',
      fencingToken: 'a3',
      now: 400,
      leaseExpiresAt: 500,
    });
    await store.ackItem('i', 'a3', newRun('r', 'a3', { state: 'starting', leaseExpiresAt: 500 }));
    await store.transitionRun('r', ['starting', 'running'], { state: 'stopping' });
    const history = await store.runHistory('r');
    expect(history.map((t) => [t.from, t.to, t.attempt])).toEqual([
      ['starting', 'running', 1],
      ['running', 'pending', 2],
      ['pending', 'starting', 2],
      ['starting', 'stopping', 2],
    ]);
    // Stamped by the database's clock as the changes happened.
    for (const t of history) expect(t.at).toBeGreaterThanOrEqual(before - 1_000);
    expect(history.map((t) => t.at)).toEqual([...history.map((t) => t.at)].sort((a, b) => a - b));
    expect(await store.runHistory('nope')).toEqual([]);
  });

  it('a starting run records why its engine holds it back, shown for that attempt only', async () => {
    await leasedRun(2, 'starting');
    const waiting = { reason: 'Resources', message: 'Slurm job 7 is pending: busy' };
    const held = await store.setRunWaiting('r', 'a1', waiting);
    wire(Run, held);
    expect(held).toMatchObject({ state: 'starting', attempt: 1, waiting });
    expect((await store.getRun('r'))?.waiting).toEqual(waiting);
    await expect(store.setRunWaiting('r', 'zz', waiting)).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    await expect(store.setRunWaiting('nope', 'a1', waiting)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The next attempt starts without the previous attempt's reason.
    expect(await store.expireRunLeases(300, () => 'new')).toEqual([
      expect.objectContaining({ outcome: 'retried' }),
    ]);
    await store.claim({
      queueId: 'q_q',
      agentId: 'ag2',
      fencingToken: 'a2',
      now: 400,
      leaseExpiresAt: 500,
    });
    const again = await store.ackItem(
      'i',
      'a2',
      newRun('r', 'a2', { state: 'starting', leaseExpiresAt: 500 }),
    );
    expect(again).toMatchObject({ attempt: 2, state: 'starting', waiting: null });
    // Once it runs, the reason is history; a late report changes nothing.
    await store.updateRun('r', 'a2', { state: 'running' });
    expect(await store.setRunWaiting('r', 'a2', waiting)).toBeUndefined();
    expect((await store.getRun('r'))?.waiting).toBeNull();
  });

  it('a run whose lease expires crashes with agent_lost, and its old token is refused', async () => {
    await leasedRun(1);
    expect(await store.expireRunLeases(150, () => 'x')).toEqual([]);
    const expired = await store.expireRunLeases(300, () => 'new');
    expect(expired).toEqual([
      expect.objectContaining({ runId: 'r', outcome: 'crashed', agentId: 'ag' }),
    ]);
    expect(await store.getRun('r')).toMatchObject({
      state: 'crashed',
      failure: { stage: 'agent', reason: 'agent_lost' },
    });
    await expect(store.updateRun('r', 'a1', { state: 'finished' })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect(await store.expireRunLeases(400, () => 'y')).toEqual([]);
    expect((await store.readLogs('r', -1, 10)).at(-1)?.text).toContain('agent_lost');
  });

  it('with maxAttempts 2 an expired run is re-queued as attempt 2 of the same run id', async () => {
    await leasedRun(2);
    expect(await store.expireRunLeases(300, () => 'new')).toEqual([
      expect.objectContaining({ runId: 'r', outcome: 'retried' }),
    ]);
    expect(await store.getQueueItem('i')).toMatchObject({ state: 'pending', runId: 'r' });
    const again = await store.claim({
      queueId: 'q_q',
      agentId: 'ag2',
      fencingToken: 'a2',
      now: 400,
      leaseExpiresAt: 500,
    });
    expect(again?.runId).toBe('r');
    await expect(store.ackItem('i', 'a2', newRun('other', 'a2'))).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const run = await store.ackItem(
      'i',
      'a2',
      newRun('r', 'a2', { state: 'starting', leaseExpiresAt: 500 }),
    );
    expect(run).toMatchObject({ id: 'r', attempt: 2, state: 'starting', agentId: 'ag2' });
    await expect(store.updateRun('r', 'a1', { state: 'running' })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect(await store.expireRunLeases(600, () => 'z')).toEqual([
      expect.objectContaining({ outcome: 'crashed' }),
    ]);
  });

  it('fails runs stuck in starting past the start timeout; lists items and agent runs', async () => {
    await leasedRun(1);
    await store.transitionRun('r', ['running'], { state: 'stopping' });
    expect(await store.agentRunIds('ag', 'stopping')).toEqual(['r']);
    expect((await store.listQueueItems('q_q', 'claimed', 10)).map((i) => i.id)).toEqual(['i']);
    await store.createRun(newRun('s', 'tk', { state: 'starting', now: 1_000 }));
    // One its engine holds in its own queue (a pending Slurm job) is not stuck: it waits.
    await store.createRun(newRun('held', 'th', { state: 'starting', now: 1_000 }));
    await store.setRunWaiting('held', 'th', { reason: 'Priority', message: 'others first' });
    expect(await store.failStartTimeouts(500, 2_000, 'too slow', () => 'n')).toEqual([]);
    expect(await store.failStartTimeouts(5_000, 6_000, 'too slow', () => 'n')).toEqual(['s']);
    expect(await store.getRun('held')).toMatchObject({ state: 'starting' });
    expect(await store.getRun('s')).toMatchObject({
      state: 'failed',
      failure: { reason: 'start_timeout', message: 'too slow' },
    });
  });
  it('an un-acked lease returns the item to pending', async () => {
    await queue();
    await store.enqueue(item('i'));
    await store.claim({
      queueId: 'q_q',
      agentId: 'ag',
      fencingToken: 'old',
      now: 100,
      leaseExpiresAt: 200,
    });
    expect(await store.requeueExpiredLeases(150)).toEqual([]);
    expect(await store.requeueExpiredLeases(250)).toEqual(['q_q']);
    expect((await store.getQueueItem('i'))?.state).toBe('pending');
    await expect(store.ackItem('i', 'old', newRun('r', 'old'))).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
  });
}
