/**
 * @module The part of the store contract about failures: for every `Store` method that can fail, the
 * code, message and hint a user ends up seeing, word for word, and the misses a method answers
 * without an error. An adapter that words a failure differently, raises a driver's error, or is silent
 * where another refuses, fails here. Run by `describeStoreContract` against every adapter.
 */
import { expect, it } from 'vitest';

import { entity, expectFailure, key } from './contract-helpers.js';
import type { NewQueueItem, NewRun, Store } from './store.js';

const STALE = 'is owned by another agent or attempt (stale fencing token); stop reporting on it';
const STALE_HINT = 'The lease expired or the run was re-queued; this writer no longer owns it.';
const stale = (what: string) => ({
  code: 'STALE_TOKEN',
  message: `${what} ${STALE}`,
  hint: STALE_HINT,
});
const LOGS = { maxBytes: 1024 ** 2, notice: 'log limit reached' };
const METRICS = { maxValues: 1_000, maxSummaryKeys: 10 };

export function describeFailuresContract(store: () => Store, now: () => number): void {
  const queue = (maxAttempts = 2) => {
    const at = now();
    return store().createQueue({
      id: 'q_q',
      entity: 'e',
      name: 'q',
      resource: 'local-process',
      config: {},
      templateVariables: {},
      prioritization: true,
      maxAttempts,
      createdAt: new Date(at).toISOString(),
      createdAtMs: at,
    });
  };
  const item = (id: string, extra: Partial<NewQueueItem> = {}): NewQueueItem => ({
    id,
    queueId: 'q_q',
    priority: 2,
    spec: {},
    templateVariables: {},
    projectQueue: 'model-registry',
    warnings: [],
    createdBy: null,
    idempotencyKey: null,
    now: now(),
    ...extra,
  });
  const newRun = (id: string, token: string, extra: Partial<NewRun> = {}): NewRun => ({
    id,
    entity: 'e',
    project: 'p',
    name: null,
    queueItemId: null,
    queueId: null,
    job: null,
    spec: {},
    config: {},
    agentId: null,
    fencingToken: token,
    state: 'starting',
    leaseExpiresAt: null,
    createdBy: null,
    now: now(),
    ...extra,
  });
  const claim = (fencingToken: string) =>
    store().claim({
      queueId: 'q_q',
      agentId: 'ag',
      fencingToken,
      now: now(),
      leaseExpiresAt: now() + 60_000,
    });
  const agent = (id: string) =>
    store().createAgent({
      id,
      entity: 'e',
      queues: ['q'],
      hostname: 'h',
      maxJobs: 1,
      version: '1',
      config: {},
      now: now(),
    });
  const team = (name: string) => entity(name, 'team', null, now());
  const aliceKey = (id: string, hash = `hash-${id}`) => key(id, 'alice', { hash });

  it('failures: users, entities and keys refuse a taken name or key, in the same words', async () => {
    const s = store();
    await s.createUser(
      { name: 'alice', admin: false, createdAt: now() },
      team('alice'),
      aliceKey('k1'),
    );
    const taken = (name: string) => ({
      code: 'CONFLICT',
      message: `The name "${name}" is taken by a user or an entity`,
      hint: 'User and team names share one namespace; pick another name.',
    });
    const user = { name: 'alice', admin: false, createdAt: now() };
    await expectFailure(s.createUser(user, team('alice'), aliceKey('k2')), taken('alice'));
    await expectFailure(s.createEntity(team('alice')), taken('alice'));
    const keyTaken = { code: 'CONFLICT', message: 'API key k1 already exists' };
    await expectFailure(s.createApiKey(aliceKey('k1', 'other-hash')), keyTaken);
    await expectFailure(s.createApiKey(aliceKey('k3', 'hash-k1')), {
      code: 'CONFLICT',
      message: 'API key k3 already exists',
    });
  });

  it('failures: queues and queued runs', async () => {
    const s = store();
    await queue();
    await expectFailure(queue(), {
      code: 'CONFLICT',
      message: 'Queue "q" already exists for entity "e"',
      hint: 'Pick another name, or use the existing queue.',
    });
    const noQueue = {
      code: 'NOT_FOUND',
      message: 'Queue q_nope not found',
      hint: 'List queues with `tminus queue list`.',
    };
    await expectFailure(s.enqueue(item('i0', { queueId: 'q_nope' })), noQueue);
    await expectFailure(s.enqueueMany([item('i0'), item('i1', { queueId: 'q_nope' })]), noQueue);
    await s.enqueue(item('i1'));
    const duplicate = { code: 'CONFLICT', message: 'A queued run with id "i1" already exists' };
    await expectFailure(s.enqueue(item('i1')), duplicate);
    await expectFailure(s.enqueueMany([item('i2'), item('i1')]), duplicate);
    // All or none: the refused batch stored nothing.
    expect(await s.getQueueItem('i0')).toBeUndefined();
    expect(await s.getQueueItem('i2')).toBeUndefined();
    expect(await s.deleteQueueItem('nope')).toBe('not_found');
    expect(await s.countPendingAhead('nope')).toBe(0);
  });

  it('failures: acknowledging and failing a queued run', async () => {
    const s = store();
    await queue();
    await s.enqueue(item('i'));
    await claim('tk');
    const noItem = { code: 'NOT_FOUND', message: 'Queued run nope not found' };
    await expectFailure(s.ackItem('nope', 'tk', newRun('r', 'tk')), noItem);
    await expectFailure(s.failItem('nope', 'tk', { stage: 'agent', message: 'x' }), noItem);
    await expectFailure(s.ackItem('i', 'bad', newRun('r', 'bad')), stale('Queued run i'));
    await expectFailure(
      s.failItem('i', 'bad', { stage: 'agent', message: 'x' }),
      stale('Queued run i'),
    );
    await s.createRun(newRun('taken', 'other'));
    await expectFailure(s.ackItem('i', 'tk', newRun('taken', 'tk')), {
      code: 'CONFLICT',
      message: 'A run with id "taken" already exists',
      hint: 'Run ids are unique; choose another one.',
    });
    // Re-queued as the run's next attempt, the item is acknowledged only as that run.
    const run = newRun('r', 'tk', { queueItemId: 'i', queueId: 'q_q' });
    await s.ackItem('i', 'tk', run);
    await s.requeueRun('r', 'tk', { ifState: 'starting', newToken: 'tk2', now: now(), line: 'x' });
    await claim('tk3');
    await expectFailure(s.ackItem('i', 'tk3', newRun('r2', 'tk3')), {
      code: 'CONFLICT',
      message: 'Queued run i is a retry of run r; acknowledge it with that run id',
    });
  });

  it('failures: runs — unknown, stale token, taken id, made-up cursor', async () => {
    const s = store();
    await s.createRun(newRun('r', 'tk'));
    await expectFailure(s.createRun(newRun('r', 'tk')), {
      code: 'CONFLICT',
      message: 'A run with id "r" already exists',
      hint: 'Run ids are unique; choose another one.',
    });
    const noRun = { code: 'NOT_FOUND', message: 'Run nope not found' };
    const retry = { ifState: 'starting' as const, newToken: 'n', now: now(), line: 'x' };
    const waiting = { reason: 'Resources', message: 'busy' };
    const line = [{ stream: 'stdout' as const, text: 'x' }];
    await expectFailure(s.updateRun('nope', 'tk', { state: 'running' }), noRun);
    await expectFailure(s.updateRun('nope', 'tk', { state: 'running' }, 'starting'), noRun);
    await expectFailure(s.setRunWaiting('nope', 'tk', waiting), noRun);
    await expectFailure(s.requeueRun('nope', 'tk', retry), noRun);
    await expectFailure(s.appendLogs('nope', 'tk', line, now(), LOGS), noRun);
    await expectFailure(s.appendMetrics('nope', [], undefined, METRICS), noRun);
    await expectFailure(s.updateRun('r', 'bad', { state: 'running' }), stale('Run r'));
    await expectFailure(s.updateRun('r', 'bad', {}, 'starting'), stale('Run r'));
    await expectFailure(s.setRunWaiting('r', 'bad', waiting), stale('Run r'));
    await expectFailure(s.requeueRun('r', 'bad', retry), stale('Run r'));
    await expectFailure(s.appendLogs('r', 'bad', line, now(), LOGS), stale('Run r'));
    for (const cursor of ['abc', '-1', '1.5', '', '99999999999999999999']) {
      await expectFailure(s.listRuns({ limit: 10, cursor }), {
        code: 'INVALID_ARGUMENT',
        message: `"${cursor}" is not a cursor from a previous page of runs`,
        hint: 'Pass the nextCursor of the previous page unchanged, or omit it to start from the newest run.',
      });
    }
    await s.updateRun('r', 'tk', { state: 'finished', finishedAt: now() });
    await expectFailure(s.appendMetrics('r', [], undefined, METRICS), {
      code: 'CONFLICT',
      message: 'Run r has ended (finished); it takes no more metrics',
      hint: 'Metrics are logged by the run’s own program while it runs.',
    });
    // Misses answered without an error.
    expect(await s.transitionRun('nope', ['pending'], { state: 'stopped' })).toBeUndefined();
    expect(await s.getRunsByIds(['nope'])).toEqual([]);
    expect(await s.extendRunLeases([{ runId: 'nope', fencingToken: 'tk' }], now())).toEqual([]);
    expect(await s.readLogs('nope', -1, 10)).toEqual([]);
    expect(await s.readMetrics('nope', -1, 10)).toEqual({ points: [], used: 0 });
  });

  it('failures: agents — a taken id, a heartbeat from an unknown agent', async () => {
    const s = store();
    await agent('ag');
    await expectFailure(agent('ag'), {
      code: 'CONFLICT',
      message: 'Agent ag is already registered',
    });
    await expectFailure(s.heartbeatAgent('nope', 'polling', 0, now()), {
      code: 'NOT_FOUND',
      message: 'Agent nope not found',
      hint: 'Restart the agent; it registers again.',
    });
    // A sign of life from an unknown agent (a claim racing its removal) is ignored.
    await expect(s.touchAgent('nope', now())).resolves.toBeUndefined();
    expect(await s.getAgent('nope')).toBeUndefined();
  });
}
