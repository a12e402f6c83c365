/**
 * @module The contract every `Store` adapter passes: the same suite runs against SQLite and
 * PostgreSQL. It uses only the `Store` interface, and checks that what the store returns is exactly
 * the wire objects of the protocol (no missing, extra or mistyped field).
 */
import { Agent, JobSummary, JobVersion, Queue, QueueItem, Run } from '@tminus/sdk/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Store } from './store.js';
import { contractFixtures, wire } from './contract-fixtures.js';
import { describeFailuresContract } from './failures-contract.js';
import { describeLeaseContract } from './lease-contract.js';
import { describeLogsContract } from './logs-contract.js';
import { describeMetricsContract } from './metrics-contract.js';
import { describeRunListContract } from './run-list-contract.js';
import { describeTenancyContract } from './tenancy-contract.js';

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let n = 0;
    const now = () => 1_700_000_000_000 + n++;
    const { queue, item, newRun } = contractFixtures(() => store, now);
    const claim = (agentId = 'ag', token = `t${n}`) =>
      store.claim({
        queueId: 'q_q',
        agentId,
        fencingToken: token,
        now: now(),
        leaseExpiresAt: now() + 30_000,
      });

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(() => store.close());

    describeTenancyContract(() => store, now);
    describeMetricsContract(() => store, now);
    describeFailuresContract(() => store, now);
    describeLogsContract(() => store, now);
    describeLeaseContract(() => store, now);
    describeRunListContract(() => store, now);

    it('queues: create, duplicate refused, get, list', async () => {
      const q = await queue();
      wire(Queue, q);
      expect(q).toEqual({
        id: 'q_q',
        entity: 'e',
        name: 'q',
        resource: 'local-process',
        config: {},
        templateVariables: {},
        prioritization: true,
        maxAttempts: 1,
        createdAt: q.createdAt,
      });
      const t = now();
      const rich = await store.createQueue({
        id: 'q_gpu',
        entity: 'e',
        name: 'gpu',
        resource: 'local-container',
        config: { gpus: '{{n}}' },
        templateVariables: { n: { type: 'integer', minimum: 1, maximum: 8 } },
        prioritization: false,
        maxAttempts: 3,
        createdAt: new Date(t).toISOString(),
        createdAtMs: t,
      });
      expect(rich).toMatchObject({
        config: { gpus: '{{n}}' },
        templateVariables: { n: { type: 'integer', maximum: 8 } },
        prioritization: false,
        maxAttempts: 3,
        createdAt: new Date(t).toISOString(),
      });
      expect(await store.getQueueById('q_gpu')).toEqual(rich);
      await expect(queue()).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getQueue('e', 'q'))?.id).toBe(q.id);
      expect((await store.getQueueById(q.id))?.name).toBe('q');
      expect(await store.getQueue('e', 'nope')).toBeUndefined();
      expect(await store.getQueue('other', 'q')).toBeUndefined();
      expect(await store.getQueueById('nope')).toBeUndefined();
      expect((await store.listQueues('e')).map((x) => x.name).sort()).toEqual(['gpu', 'q']);
      expect(await store.listQueues('other')).toEqual([]);
      // The same name under another entity is another queue.
      await store.createQueue({ ...q, id: 'q_f', entity: 'f', createdAtMs: now() });
      expect((await store.getQueue('f', 'q'))?.id).toBe('q_f');
    });

    it('job versions: v0, v1, latest moves, aliases, digest lookup, list', async () => {
      const src = (entry: string) => ({ type: 'git' as const, remote: '/r', entrypoint: [entry] });
      const a = await store.createJobVersion({
        entity: 'e',
        project: 'p',
        name: 'j',
        source: src('a.py'),
        digest: 'd0',
        description: null,
        aliases: ['best'],
        now: now(),
      });
      expect(a).toMatchObject({ jobCreated: true, job: { version: 'v0', ref: 'e/p/j:v0' } });
      const b = await store.createJobVersion({
        entity: 'e',
        project: 'p',
        name: 'j',
        source: src('b.py'),
        digest: 'd1',
        description: null,
        aliases: [],
        now: now(),
      });
      expect(b.jobCreated).toBe(false);
      expect(b.job.aliases).toEqual(['latest']);
      expect((await store.getJobVersion('e', 'p', 'j', 'latest'))?.version).toBe('v1');
      expect((await store.getJobVersion('e', 'p', 'j', 'best'))?.version).toBe('v0');
      expect((await store.getJobVersion('e', 'p', 'j', 'v0'))?.source).toEqual(src('a.py'));
      expect(await store.getJobVersion('e', 'p', 'j', 'v9')).toBeUndefined();
      expect((await store.findJobVersionByDigest('e', 'p', 'j', 'd0'))?.version).toBe('v0');
      const [summary] = await store.listJobs('e');
      expect(summary).toMatchObject({
        name: 'j',
        versions: 2,
        latest: { version: 'v1' },
        aliases: { latest: 'v1', best: 'v0' },
      });
      wire(JobSummary, summary);
      wire(JobVersion, b.job);
      expect(b.job).toMatchObject({
        entity: 'e',
        project: 'p',
        name: 'j',
        versionIndex: 1,
        digest: 'd1',
        description: null,
        source: src('b.py'),
      });
    });

    it('job versions: an alias given again moves; v1 resolves; projects are separate', async () => {
      const src = (entry: string) => ({ type: 'image' as const, image: `img:${entry}` });
      const make = (name: string, digest: string, aliases: string[], project = 'p') =>
        store.createJobVersion({
          entity: 'e',
          project,
          name,
          source: src(digest),
          digest,
          description: `job ${digest}`,
          aliases,
          now: now(),
        });
      await make('j', 'd0', ['best', 'prod']);
      await make('j', 'd1', []);
      const c = await make('j', 'd2', ['best']);
      expect(c.job.version).toBe('v2');
      expect([...c.job.aliases].sort()).toEqual(['best', 'latest']);
      expect((await store.getJobVersion('e', 'p', 'j', 'v0'))?.aliases).toEqual(['prod']);
      expect(await store.getJobVersion('e', 'p', 'j', 'v1')).toMatchObject({
        version: 'v1',
        versionIndex: 1,
        aliases: [],
        digest: 'd1',
        ref: 'e/p/j:v1',
      });
      expect((await store.getJobVersion('e', 'p', 'j', 'best'))?.version).toBe('v2');
      expect((await store.getJobVersion('e', 'p', 'j', 'prod'))?.description).toBe('job d0');
      expect(await store.getJobVersion('e', 'p', 'j', 'nope')).toBeUndefined();
      expect(await store.getJobVersion('e', 'p', 'other', 'latest')).toBeUndefined();
      expect(await store.findJobVersionByDigest('e', 'p', 'j', 'd9')).toBeUndefined();
      expect(
        (
          await store.createJobVersion({
            entity: 'e',
            project: 'p2',
            name: 'j',
            source: src('x'),
            digest: 'd0',
            description: null,
            aliases: [],
            now: now(),
          })
        ).jobCreated,
      ).toBe(true);
      expect((await store.findJobVersionByDigest('e', 'p2', 'j', 'd0'))?.ref).toBe('e/p2/j:v0');
      const all = await store.listJobs('e');
      expect(all.map((x) => `${x.project}/${x.name}:${x.versions}`).sort()).toEqual([
        'p/j:3',
        'p2/j:1',
      ]);
      const [only] = await store.listJobs('e', 'p');
      expect(only).toMatchObject({
        versions: 3,
        latest: { version: 'v2' },
        aliases: { latest: 'v2', best: 'v2', prod: 'v0' },
      });
      expect(await store.listJobs('e', 'none')).toEqual([]);
      expect(await store.listJobs('other')).toEqual([]);
    });

    it('enqueueMany stores all in order, or none; a repeated key returns the first item', async () => {
      await queue();
      const batch = await store.enqueueMany([
        item('b1', 2, { idempotencyKey: 'k:0' }),
        item('b2', 1, { idempotencyKey: 'k:1' }),
        item('b3', 2),
      ]);
      expect(batch.map((r) => [r.item.id, r.existed])).toEqual([
        ['b1', false],
        ['b2', false],
        ['b3', false],
      ]);
      for (const r of batch) wire(QueueItem, r.item);
      expect(batch[1]!.item).toEqual(await store.getQueueItem('b2'));
      // The same batch again (a retry): the keyed items exist; the unkeyed one is new.
      const again = await store.enqueueMany([
        item('x1', 2, { idempotencyKey: 'k:0' }),
        item('x2', 1, { idempotencyKey: 'k:1' }),
        item('x3', 2),
      ]);
      expect(again.map((r) => [r.item.id, r.existed])).toEqual([
        ['b1', true],
        ['b2', true],
        ['x3', false],
      ]);
      expect(again[0]!.item).toEqual(batch[0]!.item);
      // One bad item (a duplicate id) and nothing of the batch is stored.
      await expect(store.enqueueMany([item('y1'), item('b3'), item('y2')])).rejects.toBeDefined();
      expect(await store.getQueueItem('y1')).toBeUndefined();
      expect(await store.getQueueItem('y2')).toBeUndefined();
      expect(await store.enqueueMany([])).toEqual([]);
      // Claim order: priority, then the order within and across batches.
      const order: string[] = [];
      for (let c = await claim(); c !== undefined; c = await claim()) order.push(c.id);
      expect(order).toEqual(['b2', 'b1', 'b3', 'x3']);
    });

    it('enqueue is idempotent per key', async () => {
      await queue();
      const first = await store.enqueue(item('i1', 2, { idempotencyKey: 'k' }));
      const again = await store.enqueue(item('i2', 2, { idempotencyKey: 'k' }));
      expect(first.existed).toBe(false);
      expect(again).toMatchObject({ existed: true, item: { id: 'i1' } });
      expect(again.item).toEqual(first.item);
      wire(QueueItem, first.item);
      expect(first.item).toEqual({
        id: 'i1',
        queueId: 'q_q',
        queue: 'q',
        entity: 'e',
        projectQueue: 'model-registry',
        state: 'pending',
        priority: 2,
        spec: { job: 'e/p/j:v0' },
        templateVariables: {},
        runId: null,
        createdBy: null,
        error: null,
        warnings: [],
        createdAt: first.item.createdAt,
      });
      const other = await store.enqueue(
        item('i3', 1, { idempotencyKey: 'k2', templateVariables: { n: 2 }, warnings: ['w'] }),
      );
      expect(other).toMatchObject({
        existed: false,
        item: { id: 'i3', priority: 1, templateVariables: { n: 2 }, warnings: ['w'] },
      });
      expect((await store.enqueue(item('i4'))).existed).toBe(false);
      expect(await store.getQueueItem('i4')).toMatchObject({ id: 'i4', state: 'pending' });
      expect(await store.getQueueItem('nope')).toBeUndefined();
      expect((await store.listQueueItems('q_q', undefined, 10)).map((x) => x.id)).toEqual([
        'i1',
        'i3',
        'i4',
      ]);
      expect((await store.listQueueItems('q_q', 'pending', 2)).map((x) => x.id)).toEqual([
        'i1',
        'i3',
      ]);
    });

    it('claims lowest priority number first, FIFO within a level, each item once', async () => {
      await queue();
      const order = [
        ['a', 2],
        ['b', 3],
        ['c', 0],
        ['d', 2],
        ['e', 0],
        ['f', 1],
      ] as const;
      for (const [id, p] of order) await store.enqueue(item(id, p));
      const claimed: string[] = [];
      for (let k = 0; k < order.length; k++) claimed.push((await claim())!.id);
      expect(claimed).toEqual(['c', 'e', 'f', 'a', 'd', 'b']);
      expect(await claim()).toBeUndefined();
      expect((await store.getQueueItem('a'))?.state).toBe('leased');
    });

    it('claim order holds across interleaved enqueues and claims', async () => {
      await queue();
      await store.enqueue(item('a', 2));
      await store.enqueue(item('b', 2));
      const first = await claim('ag', 'tk');
      wire(QueueItem, first);
      expect(first).toMatchObject({ id: 'a', state: 'leased', runId: null });
      await store.enqueue(item('c', 0));
      await store.enqueue(item('d', 2));
      await store.enqueue(item('e', 1));
      expect((await claim())?.id).toBe('c');
      await store.enqueue(item('f', 0));
      const rest: string[] = [];
      for (let c = await claim(); c !== undefined; c = await claim()) rest.push(c.id);
      expect(rest).toEqual(['f', 'e', 'b', 'd']);
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
      await expect(store.ackItem('i', 'bad', newRun('r1', 'good'))).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      await store.createRun(newRun('taken'));
      await expect(store.ackItem('i', 'good', newRun('taken', 'good'))).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const run = await store.ackItem(
        'i',
        'good',
        newRun('r1', 'good', { queueItemId: 'i', queueId: 'q_q', state: 'starting' }),
      );
      expect(run).toMatchObject({
        id: 'r1',
        state: 'starting',
        queue: 'q',
        queueItemId: 'i',
        agentId: 'ag',
        attempt: 1,
        config: { lr: 1 },
      });
      wire(Run, run);
      expect(await store.getRun('r1')).toEqual(run);
      expect(await store.getQueueItem('i')).toMatchObject({ state: 'claimed', runId: 'r1' });
      // The same ack again (an agent retrying after its answer was lost) gets the same run, and no second one.
      expect(
        await store.ackItem(
          'i',
          'good',
          newRun('r1', 'good', { queueItemId: 'i', queueId: 'q_q', state: 'starting' }),
        ),
      ).toEqual(run);
      // Acknowledged once: the same token cannot ack it as another run, nor fail it.
      await expect(store.ackItem('i', 'good', newRun('r2', 'good'))).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      await expect(store.ackItem('i', 'bad', newRun('r1', 'bad'))).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      await expect(
        store.failItem('i', 'good', { stage: 'agent', message: 'late' }),
      ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      await expect(store.getRun('r2')).resolves.toBeUndefined();
    });

    it('fail and delete items', async () => {
      await queue();
      await store.enqueue(item('a'));
      await store.enqueue(item('b'));
      await store.enqueue(item('c'));
      expect(await store.countPendingAhead('c')).toBe(2);
      await expect(
        store.failItem('b', 'tk', { stage: 'agent', message: 'not leased' }),
      ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      await claim('ag', 'tk');
      expect(await store.countPendingAhead('c')).toBe(1);
      await expect(
        store.failItem('a', 'wrong', { stage: 'agent', message: 'boom' }),
      ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      const failed = await store.failItem('a', 'tk', { stage: 'agent', message: 'boom' });
      wire(QueueItem, failed);
      expect(failed).toMatchObject({
        state: 'failed',
        runId: null,
        error: { stage: 'agent', message: 'boom' },
      });
      await expect(store.ackItem('a', 'tk', newRun('r', 'tk'))).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      expect(await store.deleteQueueItem('a')).toBe('not_pending');
      expect(await store.deleteQueueItem('b')).toBe('deleted');
      expect(await store.deleteQueueItem('b')).toBe('not_found');
      expect(await store.getQueueItem('b')).toBeUndefined();
      expect(await store.deleteQueueItem('never')).toBe('not_found');
      expect(await store.countPendingAhead('c')).toBe(0);
    });

    it('counts pending items ahead by priority, then age', async () => {
      await queue();
      await store.enqueue(item('low', 3));
      await store.enqueue(item('mid', 2));
      await store.enqueue(item('top', 0));
      await store.enqueue(item('mid2', 2));
      expect(await store.countPendingAhead('top')).toBe(0);
      expect(await store.countPendingAhead('mid')).toBe(1);
      expect(await store.countPendingAhead('mid2')).toBe(2);
      expect(await store.countPendingAhead('low')).toBe(3);
    });

    it('direct runs: created without a queue, wire shape, duplicate id refused', async () => {
      const run = await store.createRun(
        newRun('d1', 'tk', {
          name: 'my-run',
          job: 'e/p/j:v0',
          spec: { job: 'e/p/j:v0' },
          now: 5_000,
        }),
      );
      wire(Run, run);
      expect(run).toEqual({
        id: 'd1',
        entity: 'e',
        project: 'p',
        name: 'my-run',
        state: 'pending',
        queueItemId: null,
        queue: null,
        job: 'e/p/j:v0',
        config: { lr: 1 },
        spec: { job: 'e/p/j:v0' },
        exitCode: null,
        failure: null,
        summary: {},
        createdBy: null,
        agentId: null,
        attempt: 1,
        sourceCommit: null,
        runDir: null,
        createdAt: new Date(5_000).toISOString(),
        startedAt: null,
        finishedAt: null,
        waiting: null,
      });
      expect(await store.getRun('d1')).toEqual(run);
      expect(await store.getRun('nope')).toBeUndefined();
      await expect(store.createRun(newRun('d1'))).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.updateRun('nope', 'tk', { state: 'running' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await store.getRunsByIds(['d1', 'nope'])).map((r) => r.id)).toEqual(['d1']);
    });

    it('transitionRun changes a run only from the listed states', async () => {
      await store.createRun(newRun('a', 'tk', { state: 'running' }));
      expect(
        await store.transitionRun('a', ['pending', 'starting'], { state: 'stopping' }),
      ).toBeUndefined();
      const stopping = await store.transitionRun('a', ['pending', 'running'], {
        state: 'stopping',
      });
      expect(stopping).toMatchObject({ id: 'a', state: 'stopping', finishedAt: null });
      const stopped = await store.transitionRun('a', ['stopping'], {
        state: 'stopped',
        failure: { stage: 'run', message: 'cancelled' },
        finishedAt: 9_000,
      });
      expect(stopped).toMatchObject({
        state: 'stopped',
        failure: { stage: 'run', message: 'cancelled' },
        finishedAt: new Date(9_000).toISOString(),
      });
      expect(await store.transitionRun('nope', ['pending'], { state: 'stopped' })).toBeUndefined();
      // Every field of the patch is applied (as by updateRun); a finish time, once set, stays.
      await store.createRun(newRun('b', 'tk', { state: 'running' }));
      const ended = await store.transitionRun('b', ['running'], {
        state: 'failed',
        exitCode: 3,
        sourceCommit: 'abc',
        config: { lr: 9 },
        runDir: '/srv/runs/b',
        startedAt: 8_000,
        finishedAt: 9_000,
      });
      expect(ended).toMatchObject({
        state: 'failed',
        exitCode: 3,
        sourceCommit: 'abc',
        config: { lr: 9 },
        runDir: '/srv/runs/b',
        startedAt: new Date(8_000).toISOString(),
        finishedAt: new Date(9_000).toISOString(),
      });
      const again = await store.transitionRun('b', ['failed'], { finishedAt: 10_000 });
      expect(again?.finishedAt).toBe(new Date(9_000).toISOString());
      // Unfenced, but the owner's token is untouched: the agent can still report.
      expect((await store.updateRun('a', 'tk', { exitCode: 143 }))?.exitCode).toBe(143);
    });

    it('runs: fenced updates, transitions, newest-first pages', async () => {
      await store.createRun(newRun('r', 'tk'));
      await expect(store.updateRun('r', 'wrong', { state: 'running' })).rejects.toMatchObject({
        code: 'STALE_TOKEN',
      });
      const started = await store.updateRun('r', 'tk', {
        state: 'running',
        startedAt: 1_000,
        sourceCommit: 'abc',
        config: { lr: 2 },
        runDir: '/srv/runs/r-0000000a',
      });
      expect(started).toMatchObject({
        state: 'running',
        sourceCommit: 'abc',
        config: { lr: 2 },
        runDir: '/srv/runs/r-0000000a',
        startedAt: new Date(1_000).toISOString(),
      });
      const failed = await store.updateRun('r', 'tk', {
        state: 'failed',
        exitCode: 3,
        failure: { stage: 'run', message: 'x' },
        finishedAt: 2_000,
      });
      expect(failed).toMatchObject({
        exitCode: 3,
        failure: { stage: 'run' },
        sourceCommit: 'abc',
        runDir: '/srv/runs/r-0000000a',
      });
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
      expect((await store.listRuns({ state: 'failed', limit: 10 })).items.map((r) => r.id)).toEqual(
        ['r'],
      );
      expect(
        await store.extendRunLeases(
          [
            { runId: 'p0', fencingToken: 'tok' },
            { runId: 'p1', fencingToken: 'no' },
            { runId: 'nope', fencingToken: 'tok' },
          ],
          5,
        ),
      ).toEqual(['p0']);
      expect(await store.listRuns({ entity: 'e', limit: 7 })).toMatchObject({ nextCursor: null });
      expect((await store.listRuns({ entity: 'e', limit: 6 })).nextCursor).not.toBeNull();
      expect(await store.listRuns({ entity: 'other', limit: 10 })).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('listRuns filters by entity, project, queue and state', async () => {
      await queue();
      await store.enqueue(item('i'));
      await claim('ag', 'tk');
      await store.ackItem(
        'i',
        'tk',
        newRun('queued', 'tk', { queueItemId: 'i', queueId: 'q_q', state: 'starting' }),
      );
      await store.createRun(newRun('p2run', 't', { project: 'p2' }));
      await store.createRun(newRun('frun', 't', { entity: 'f' }));
      const ids = async (f: Omit<Parameters<Store['listRuns']>[0], 'limit'>) =>
        (await store.listRuns({ limit: 10, ...f })).items.map((r) => r.id);
      expect(await ids({})).toEqual(['frun', 'p2run', 'queued']);
      expect(await ids({ entity: 'e' })).toEqual(['p2run', 'queued']);
      expect(await ids({ entity: 'e', project: 'p2' })).toEqual(['p2run']);
      expect(await ids({ queueId: 'q_q' })).toEqual(['queued']);
      expect(await ids({ state: 'starting' })).toEqual(['queued']);
      expect(await ids({ entity: 'e', state: 'finished' })).toEqual([]);
      const [queued] = (await store.listRuns({ queueId: 'q_q', limit: 1 })).items;
      expect(queued?.queue).toBe('q');
    });

    it('agents: create, heartbeat, list', async () => {
      const created = await store.createAgent({
        id: 'ag',
        entity: 'e',
        queues: ['q', 'gpu'],
        hostname: 'h',
        maxJobs: 2,
        version: '1',
        config: { a: 1 },
        now: 1_000,
      });
      wire(Agent, created);
      expect(created).toEqual({
        id: 'ag',
        entity: 'e',
        queues: ['q', 'gpu'],
        hostname: 'h',
        status: 'polling',
        maxJobs: 2,
        running: 0,
        lastHeartbeatAt: new Date(1_000).toISOString(),
        createdAt: new Date(1_000).toISOString(),
      });
      await store.heartbeatAgent('ag', 'running', 1, 5_000);
      expect(await store.getAgent('ag')).toMatchObject({
        status: 'running',
        running: 1,
        lastHeartbeatAt: new Date(5_000).toISOString(),
        queues: ['q', 'gpu'],
        createdAt: new Date(1_000).toISOString(),
      });
      // A touch (a claim) moves only the time, and never back.
      await store.touchAgent('ag', 6_000);
      await store.touchAgent('ag', 5_500);
      expect(await store.getAgent('ag')).toMatchObject({
        status: 'running',
        running: 1,
        lastHeartbeatAt: new Date(6_000).toISOString(),
      });
      await store.createAgent({
        id: 'ag2',
        entity: 'e',
        queues: ['q'],
        hostname: 'h2',
        maxJobs: -1,
        version: '1',
        config: {},
        now: 2_000,
      });
      await store.createAgent({
        id: 'ag3',
        entity: 'f',
        queues: ['q'],
        hostname: 'h3',
        maxJobs: 1,
        version: '1',
        config: {},
        now: 3_000,
      });
      expect((await store.listAgents('e')).map((a) => a.id).sort()).toEqual(['ag', 'ag2']);
      expect(await store.listAgents('none')).toEqual([]);
      expect(await store.getAgent('nope')).toBeUndefined();
    });

    it('updateRun with ifState is a compare-and-set on the state; start and finish times are set once', async () => {
      await store.createRun(newRun('c', 'tk', { state: 'starting' }));
      // Decided from a stale view (the run is starting, not running): nothing changes.
      expect(
        await store.updateRun('c', 'tk', { state: 'finished', exitCode: 0 }, 'running'),
      ).toBeUndefined();
      expect(await store.getRun('c')).toMatchObject({ state: 'starting', exitCode: null });
      // The fence is checked first: a stale token is refused whatever the state.
      await expect(
        store.updateRun('c', 'old', { state: 'running' }, 'starting'),
      ).rejects.toMatchObject({ code: 'STALE_TOKEN' });
      await expect(
        store.updateRun('gone', 'tk', { state: 'running' }, 'starting'),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const running = await store.updateRun(
        'c',
        'tk',
        { state: 'running', startedAt: 1_000 },
        'starting',
      );
      expect(running).toMatchObject({ state: 'running', startedAt: new Date(1_000).toISOString() });
      const again = await store.updateRun(
        'c',
        'tk',
        { state: 'running', startedAt: 2_000 },
        'running',
      );
      expect(again?.startedAt).toBe(new Date(1_000).toISOString());
      const done = await store.updateRun(
        'c',
        'tk',
        { state: 'finished', exitCode: 0, finishedAt: 3_000 },
        'running',
      );
      expect(done).toMatchObject({
        state: 'finished',
        exitCode: 0,
        finishedAt: new Date(3_000).toISOString(),
      });
      expect(
        (await store.updateRun('c', 'tk', { state: 'finished', finishedAt: 4_000 }, 'finished'))
          ?.finishedAt,
      ).toBe(new Date(3_000).toISOString());
    });

    it('two claimers interleaving never get the same item', async () => {
      await queue();
      for (let k = 0; k < 200; k++) await store.enqueue(item(`i${k}`));
      const got: string[] = [];
      await Promise.all(
        ['a1', 'a2'].map(async (agent) => {
          for (;;) {
            const claimed = await claim(agent);
            if (claimed === undefined) return;
            got.push(claimed.id);
          }
        }),
      );
      expect(got.length).toBe(200);
      expect(new Set(got)).toEqual(new Set(Array.from({ length: 200 }, (_, k) => `i${k}`)));
    });

    it('concurrent claims, acks and reports (which a store may batch) each get their own answer', async () => {
      await queue();
      for (let k = 0; k < 30; k++) await store.enqueue(item(`i${k}`, k % 3));
      const claims = await Promise.all(
        Array.from({ length: 32 }, (_, k) => claim(`ag${k}`, `tk${k}`)),
      );
      const leased = claims.filter((c) => c !== undefined);
      expect(leased.length).toBe(30);
      expect(new Set(leased.map((c) => c.id)).size).toBe(30);
      // The first callers got the head of the queue: every priority-0 item went to one of them.
      const firstTen = new Set(claims.slice(0, 10).map((c) => c?.priority));
      expect(firstTen).toEqual(new Set([0]));
      const byItem = new Map(
        claims.flatMap((c, k) => (c === undefined ? [] : [[c.id, k] as const])),
      );
      // One ack among them is refused (wrong token) and one names a taken run id: only those fail.
      await store.createRun(newRun('taken'));
      const acks = await Promise.allSettled(
        [...byItem].map(([id, k]) =>
          store.ackItem(
            id,
            k === 3 ? 'wrong' : `tk${k}`,
            newRun(k === 4 ? 'taken' : `r${k}`, `tk${k}`, {
              queueItemId: id,
              queueId: 'q_q',
              state: 'starting',
            }),
          ),
        ),
      );
      const refused = acks.flatMap((a, i) =>
        a.status === 'rejected'
          ? [[[...byItem.values()][i], (a.reason as { code: string }).code]]
          : [],
      );
      expect(refused.sort()).toEqual([
        [3, 'STALE_TOKEN'],
        [4, 'CONFLICT'],
      ]);
      const runs = acks.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
      expect(runs.map((r) => r.id).sort()).toEqual(
        [...byItem.values()]
          .filter((k) => k !== 3 && k !== 4)
          .map((k) => `r${k}`)
          .sort(),
      );
      for (const r of runs)
        expect(r).toMatchObject({ state: 'starting', agentId: `ag${r.id.slice(1)}`, queue: 'q' });
      // Reports: each run gets its own exit code; a stale one changes nothing.
      const reports = await Promise.all(
        runs.map((r) =>
          store.updateRun(
            r.id,
            `tk${r.id.slice(1)}`,
            { state: 'finished', exitCode: Number(r.id.slice(1)), finishedAt: 9 },
            'starting',
          ),
        ),
      );
      expect(reports.map((r) => r?.exitCode)).toEqual(runs.map((r) => Number(r.id.slice(1))));
      const again = await Promise.all(
        runs
          .slice(0, 5)
          .map((r) => store.updateRun(r.id, `tk${r.id.slice(1)}`, { state: 'failed' }, 'starting')),
      );
      expect(again).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect((await store.listRuns({ state: 'finished', limit: 100 })).items.length).toBe(
        runs.length,
      );
    });
  });
}
