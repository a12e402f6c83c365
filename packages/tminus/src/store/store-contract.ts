/**
 * @module The contract every `Store` adapter passes: the same suite runs against SQLite and, later,
 * PostgreSQL. It uses only the `Store` interface.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { NewQueueItem, NewRun, Store } from './store.js';

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let n = 0;
    const now = () => 1_700_000_000_000 + n++;
    const queue = async (qname = 'q', prioritization = true) => {
      const t = now();
      return store.createQueue({ id: `q_${qname}`, entity: 'e', name: qname, resource: 'local-process', config: {}, templateVariables: {}, prioritization, maxAttempts: 1, createdAt: new Date(t).toISOString(), createdAtMs: t });
    };
    const item = (id: string, priority = 2, extra: Partial<NewQueueItem> = {}): NewQueueItem => ({
      id, queueId: 'q_q', priority, spec: { job: 'e/p/j:v0' }, templateVariables: {}, projectQueue: 'model-registry', warnings: [], idempotencyKey: null, now: now(), ...extra,
    });
    const newRun = (id: string, token = 'tok', extra: Partial<NewRun> = {}): NewRun => ({
      id, entity: 'e', project: 'p', name: null, queueItemId: null, queueId: null, job: null, spec: {}, config: { lr: 1 }, agentId: null, fencingToken: token, state: 'pending', leaseExpiresAt: null, now: now(), ...extra,
    });
    const claim = (agentId = 'ag', token = `t${n}`) => store.claim({ queueId: 'q_q', agentId, fencingToken: token, now: now(), leaseExpiresAt: now() + 30_000 });

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(() => store.close());

    it('api keys and entities', async () => {
      expect(await store.countApiKeys()).toBe(0);
      await store.createApiKey({ id: 'k1', name: 'admin', hash: 'h1', entity: 'e', createdAt: now() });
      expect(await store.findApiKeyByHash('h1')).toMatchObject({ id: 'k1', entity: 'e' });
      expect(await store.findApiKeyByHash('nope')).toBeUndefined();
      expect(await store.ensureEntity('e', now())).toBe(true);
      expect(await store.ensureEntity('e', now())).toBe(false);
    });

    it('queues: create, duplicate refused, get, list', async () => {
      const q = await queue();
      expect(q).toMatchObject({ entity: 'e', name: 'q', prioritization: true, maxAttempts: 1 });
      await expect(queue()).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getQueue('e', 'q'))?.id).toBe(q.id);
      expect((await store.getQueueById(q.id))?.name).toBe('q');
      expect(await store.getQueue('e', 'nope')).toBeUndefined();
      expect((await store.listQueues('e')).map((x) => x.name)).toEqual(['q']);
    });

    it('job versions: v0, v1, latest moves, aliases, digest lookup, list', async () => {
      const src = (entry: string) => ({ type: 'git' as const, remote: '/r', entrypoint: [entry] });
      const a = await store.createJobVersion({ entity: 'e', project: 'p', name: 'j', source: src('a.py'), digest: 'd0', description: null, aliases: ['best'], now: now() });
      expect(a).toMatchObject({ jobCreated: true, job: { version: 'v0', ref: 'e/p/j:v0' } });
      const b = await store.createJobVersion({ entity: 'e', project: 'p', name: 'j', source: src('b.py'), digest: 'd1', description: null, aliases: [], now: now() });
      expect(b.jobCreated).toBe(false);
      expect(b.job.aliases).toEqual(['latest']);
      expect((await store.getJobVersion('e', 'p', 'j', 'latest'))?.version).toBe('v1');
      expect((await store.getJobVersion('e', 'p', 'j', 'best'))?.version).toBe('v0');
      expect((await store.getJobVersion('e', 'p', 'j', 'v0'))?.source).toEqual(src('a.py'));
      expect(await store.getJobVersion('e', 'p', 'j', 'v9')).toBeUndefined();
      expect((await store.findJobVersionByDigest('e', 'p', 'j', 'd0'))?.version).toBe('v0');
      const [summary] = await store.listJobs('e');
      expect(summary).toMatchObject({ name: 'j', versions: 2, latest: { version: 'v1' }, aliases: { latest: 'v1', best: 'v0' } });
    });

    it('enqueue is idempotent per key', async () => {
      await queue();
      const first = await store.enqueue(item('i1', 2, { idempotencyKey: 'k' }));
      const again = await store.enqueue(item('i2', 2, { idempotencyKey: 'k' }));
      expect(first.existed).toBe(false);
      expect(again).toMatchObject({ existed: true, item: { id: 'i1' } });
      expect(first.item).toMatchObject({ state: 'pending', queue: 'q', entity: 'e', runId: null });
    });

    it('claims lowest priority number first, FIFO within a level, each item once', async () => {
      await queue();
      const order = [['a', 2], ['b', 3], ['c', 0], ['d', 2], ['e', 0], ['f', 1]] as const;
      for (const [id, p] of order) await store.enqueue(item(id, p));
      const claimed: string[] = [];
      for (let k = 0; k < order.length; k++) claimed.push((await claim())!.id);
      expect(claimed).toEqual(['c', 'e', 'f', 'a', 'd', 'b']);
      expect(await claim()).toBeUndefined();
      expect((await store.getQueueItem('a'))?.state).toBe('leased');
    });

    it('claims only from the named queue', async () => {
      await queue();
      await queue('other');
      await store.enqueue(item('x', 2, { queueId: 'q_other' }));
      expect(await claim()).toBeUndefined();
    });

    it('ack creates the run in one step; a stale token or a taken run id is refused', async () => {
      await queue();
      await store.enqueue(item('i'));
      await claim('ag', 'good');
      await expect(store.ackItem('i', 'bad', newRun('r1', 'good'))).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      await store.createRun(newRun('taken'));
      await expect(store.ackItem('i', 'good', newRun('taken', 'good'))).rejects.toMatchObject({ code: 'CONFLICT' });
      const run = await store.ackItem('i', 'good', newRun('r1', 'good', { queueItemId: 'i', queueId: 'q_q', state: 'starting' }));
      expect(run).toMatchObject({ id: 'r1', state: 'starting', queue: 'q', agentId: 'ag', attempt: 1, config: { lr: 1 } });
      expect(await store.getQueueItem('i')).toMatchObject({ state: 'claimed', runId: 'r1' });
    });

    it('fail and delete items', async () => {
      await queue();
      await store.enqueue(item('a'));
      await store.enqueue(item('b'));
      await store.enqueue(item('c'));
      expect(await store.countPendingAhead('c')).toBe(2);
      await claim('ag', 'tk');
      expect(await store.failItem('a', 'tk', { stage: 'agent', message: 'boom' })).toMatchObject({ state: 'failed', error: { stage: 'agent', message: 'boom' } });
      expect(await store.deleteQueueItem('a')).toBe('not_pending');
      expect(await store.deleteQueueItem('b')).toBe('deleted');
      expect(await store.deleteQueueItem('b')).toBe('not_found');
    });

    it('runs: fenced updates, transitions, newest-first pages', async () => {
      await store.createRun(newRun('r', 'tk'));
      await expect(store.updateRun('r', 'wrong', { state: 'running' })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      const started = await store.updateRun('r', 'tk', { state: 'running', startedAt: 1_000, sourceCommit: 'abc', config: { lr: 2 } });
      expect(started).toMatchObject({ state: 'running', sourceCommit: 'abc', config: { lr: 2 }, startedAt: new Date(1_000).toISOString() });
      const failed = await store.updateRun('r', 'tk', { state: 'failed', exitCode: 3, failure: { stage: 'run', message: 'x' }, finishedAt: 2_000 });
      expect(failed).toMatchObject({ exitCode: 3, failure: { stage: 'run' }, sourceCommit: 'abc' });
      expect(await store.transitionRun('r', ['running'], { state: 'stopping' })).toBeUndefined();
      for (let k = 0; k < 6; k++) await store.createRun(newRun(`p${k}`));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns({ entity: 'e', limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['p5', 'p4', 'p3', 'p2', 'p1', 'p0', 'r']);
      expect((await store.listRuns({ state: 'failed', limit: 10 })).items.map((r) => r.id)).toEqual(['r']);
      expect(await store.extendRunLeases([{ runId: 'p0', fencingToken: 'tok' }, { runId: 'p1', fencingToken: 'no' }], 5)).toEqual(['p0']);
    });

    it('logs: consecutive sequence numbers, in order, fenced', async () => {
      await store.createRun(newRun('r', 'tk'));
      expect(await store.appendLogs('r', 'tk', [{ stream: 'stdout', text: 'a' }, { stream: 'stderr', text: 'b' }], now())).toBe(2);
      expect(await store.appendLogs('r', 'tk', [{ stream: 'stdout', text: 'c' }], now())).toBe(3);
      await expect(store.appendLogs('r', 'no', [{ stream: 'stdout', text: 'x' }], now())).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      expect((await store.readLogs('r', -1, 10)).map((l) => [l.seq, l.stream, l.text])).toEqual([[0, 'stdout', 'a'], [1, 'stderr', 'b'], [2, 'stdout', 'c']]);
      expect((await store.readLogs('r', 0, 1)).map((l) => l.text)).toEqual(['b']);
    });

    it('agents: create, heartbeat, list', async () => {
      await store.createAgent({ id: 'ag', entity: 'e', queues: ['q'], hostname: 'h', maxJobs: 2, version: '1', config: {}, now: 1_000 });
      await store.heartbeatAgent('ag', 'running', 1, 5_000);
      expect(await store.getAgent('ag')).toMatchObject({ status: 'running', running: 1, lastHeartbeatAt: new Date(5_000).toISOString(), queues: ['q'] });
      expect((await store.listAgents('e')).length).toBe(1);
    });

    it('an un-acked lease returns the item to pending', async () => {
      await queue();
      await store.enqueue(item('i'));
      await store.claim({ queueId: 'q_q', agentId: 'ag', fencingToken: 'old', now: 100, leaseExpiresAt: 200 });
      expect(await store.requeueExpiredLeases(150)).toEqual([]);
      expect(await store.requeueExpiredLeases(250)).toEqual(['q_q']);
      expect((await store.getQueueItem('i'))?.state).toBe('pending');
      await expect(store.ackItem('i', 'old', newRun('r', 'old'))).rejects.toMatchObject({ code: 'STALE_TOKEN' });
    });

    const leasedRun = async (maxAttempts: number) => {
      const t = now();
      await store.createQueue({ id: 'q_q', entity: 'e', name: 'q', resource: 'local-process', config: {}, templateVariables: {}, prioritization: true, maxAttempts, createdAt: new Date(t).toISOString(), createdAtMs: t });
      await store.enqueue(item('i'));
      await store.claim({ queueId: 'q_q', agentId: 'ag', fencingToken: 'a1', now: 100, leaseExpiresAt: 200 });
      await store.ackItem('i', 'a1', newRun('r', 'a1', { queueItemId: 'i', queueId: 'q_q', state: 'starting', leaseExpiresAt: 200 }));
      await store.updateRun('r', 'a1', { state: 'running' });
    };

    it('a run whose lease expires crashes with agent_lost, and its old token is refused', async () => {
      await leasedRun(1);
      expect(await store.expireRunLeases(150, () => 'x')).toEqual([]);
      const expired = await store.expireRunLeases(300, () => 'new');
      expect(expired).toEqual([expect.objectContaining({ runId: 'r', outcome: 'crashed', agentId: 'ag' })]);
      expect(await store.getRun('r')).toMatchObject({ state: 'crashed', failure: { stage: 'agent', reason: 'agent_lost' } });
      await expect(store.updateRun('r', 'a1', { state: 'finished' })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      expect(await store.expireRunLeases(400, () => 'y')).toEqual([]);
      expect((await store.readLogs('r', -1, 10)).at(-1)?.text).toContain('agent_lost');
    });

    it('with maxAttempts 2 an expired run is re-queued as attempt 2 of the same run id', async () => {
      await leasedRun(2);
      expect(await store.expireRunLeases(300, () => 'new')).toEqual([expect.objectContaining({ runId: 'r', outcome: 'retried' })]);
      expect(await store.getQueueItem('i')).toMatchObject({ state: 'pending', runId: 'r' });
      const again = await store.claim({ queueId: 'q_q', agentId: 'ag2', fencingToken: 'a2', now: 400, leaseExpiresAt: 500 });
      expect(again?.runId).toBe('r');
      await expect(store.ackItem('i', 'a2', newRun('other', 'a2'))).rejects.toMatchObject({ code: 'CONFLICT' });
      const run = await store.ackItem('i', 'a2', newRun('r', 'a2', { state: 'starting', leaseExpiresAt: 500 }));
      expect(run).toMatchObject({ id: 'r', attempt: 2, state: 'starting', agentId: 'ag2' });
      await expect(store.updateRun('r', 'a1', { state: 'running' })).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      expect(await store.expireRunLeases(600, () => 'z')).toEqual([expect.objectContaining({ outcome: 'crashed' })]);
    });

    it('fails runs stuck in starting past the start timeout; lists items and agent runs', async () => {
      await leasedRun(1);
      await store.transitionRun('r', ['running'], { state: 'stopping' });
      expect(await store.agentRunIds('ag', 'stopping')).toEqual(['r']);
      expect((await store.listQueueItems('q_q', 'claimed', 10)).map((i) => i.id)).toEqual(['i']);
      await store.createRun(newRun('s', 'tk', { state: 'starting', now: 1_000 }));
      expect(await store.failStartTimeouts(500, 2_000, 'too slow', () => 'n')).toEqual([]);
      expect(await store.failStartTimeouts(5_000, 6_000, 'too slow', () => 'n')).toEqual(['s']);
      expect(await store.getRun('s')).toMatchObject({ state: 'failed', failure: { reason: 'start_timeout', message: 'too slow' } });
    });

    it('two claimers interleaving never get the same item', async () => {
      await queue();
      for (let k = 0; k < 200; k++) await store.enqueue(item(`i${k}`));
      const got: string[] = [];
      await Promise.all(['a1', 'a2'].map(async (agent) => {
        for (;;) {
          const claimed = await claim(agent);
          if (claimed === undefined) return;
          got.push(claimed.id);
        }
      }));
      expect(got.length).toBe(200);
      expect(new Set(got).size).toBe(200);
    });
  });
}
