/**
 * @module The part of the store contract about run metrics: points in order within each run's limit,
 * summaries, and nothing taken once a run has ended. Run by `describeStoreContract` against every adapter.
 */
import { MetricPoint } from '@tminus/sdk/protocol';
import { expect, it } from 'vitest';
import { z } from 'zod';

import { failure } from './contract-helpers.js';
import type { NewMetricPoint, NewRun, Store } from './store.js';

/** Large enough that the ordinary tests never reach it. */
const ROOMY = { maxValues: 1_000_000, maxSummaryKeys: 100 };

const point = (step: number, values: NewMetricPoint['values'], ts = 1_000 + step) => ({
  step,
  values,
  ts,
});

export function describeMetricsContract(store: () => Store, now: () => number): void {
  const createRun = (id: string) => {
    const run: NewRun = {
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
      fencingToken: 'tk',
      state: 'running',
      leaseExpiresAt: null,
      createdBy: null,
      now: now(),
    };
    return store().createRun(run);
  };

  it('metrics: points are kept in the order logged, numbered from 0, and read back in pages', async () => {
    const s = store();
    await createRun('m');
    expect(
      await s.appendMetrics(
        'm',
        [point(0, { loss: 1.5, acc: 0.25 }), point(5, { loss: 'NaN', done: false })],
        undefined,
        ROOMY,
      ),
    ).toEqual({ accepted: 2, next: 2, truncated: false });
    expect(await s.appendMetrics('m', [point(3, { loss: null })], undefined, ROOMY)).toEqual({
      accepted: 1,
      next: 3,
      truncated: false,
    });
    const all = await s.readMetrics('m', -1, 10);
    for (const p of all.points) z.strictObject(MetricPoint.shape).parse(p);
    expect(all.used).toBe(5);
    expect(all.points.map((p) => [p.seq, p.step, p.values])).toEqual([
      [0, 0, { loss: 1.5, acc: 0.25 }],
      [1, 5, { loss: 'NaN', done: false }],
      [2, 3, { loss: null }],
    ]);
    expect(all.points[0]?.ts).toBe(new Date(1_000).toISOString());
    expect((await s.readMetrics('m', 0, 1)).points.map((p) => p.seq)).toEqual([1]);
    expect((await s.readMetrics('m', 2, 10)).points).toEqual([]);
  });

  it('metrics: each run keeps its own points; an unknown run reads as empty', async () => {
    const s = store();
    await createRun('a');
    await createRun('b');
    await s.appendMetrics('a', [point(0, { x: 1 })], undefined, ROOMY);
    await s.appendMetrics('b', [point(0, { x: 2 }), point(1, { x: 3 })], undefined, ROOMY);
    expect((await s.readMetrics('a', -1, 10)).points.map((p) => p.values.x)).toEqual([1]);
    expect((await s.readMetrics('b', -1, 10)).points.map((p) => p.values.x)).toEqual([2, 3]);
    expect(await s.readMetrics('nope', -1, 10)).toEqual({ points: [], used: 0 });
  });

  it('metrics: past the run’s limit whole points are dropped, and nothing is kept afterwards', async () => {
    const s = store();
    await createRun('big');
    const limit = { maxValues: 5, maxSummaryKeys: 10 };
    const two = (step: number) => point(step, { loss: step, acc: step });
    expect(await s.appendMetrics('big', [two(0), two(1)], undefined, limit)).toEqual({
      accepted: 2,
      next: 2,
      truncated: false,
    });
    // 4 + 2 > 5: the third point is dropped whole, and the smaller one after it too.
    expect(await s.appendMetrics('big', [two(2), point(3, { loss: 3 })], undefined, limit)).toEqual(
      { accepted: 0, next: 2, truncated: true },
    );
    expect(await s.appendMetrics('big', [point(4, { loss: 4 })], undefined, limit)).toEqual({
      accepted: 0,
      next: 2,
      truncated: true,
    });
    const read = await s.readMetrics('big', -1, 100);
    expect(read.points.map((p) => p.step)).toEqual([0, 1]);
    expect(read.used).toBe(5);
  });

  it('metrics: the summary is merged into the run (null removes a key, new keys past the limit are dropped)', async () => {
    const s = store();
    await createRun('sum');
    const limit = { maxValues: 100, maxSummaryKeys: 2 };
    await s.appendMetrics('sum', [point(0, { loss: 1 })], { loss: 1, best: 'epoch-0' }, limit);
    expect((await s.getRun('sum'))?.summary).toEqual({ loss: 1, best: 'epoch-0' });
    const only = await s.appendMetrics('sum', [], { loss: 0.5, extra: 3, best: null }, limit);
    expect(only).toEqual({ accepted: 0, next: 1, truncated: false });
    expect((await s.getRun('sum'))?.summary).toEqual({ loss: 0.5, extra: 3 });
    await s.appendMetrics('sum', [], { third: 1 }, limit);
    expect((await s.getRun('sum'))?.summary).toEqual({ loss: 0.5, extra: 3 });
  });

  it('metrics: an ended run takes none (CONFLICT), an unknown one is NOT_FOUND; nothing is written', async () => {
    const s = store();
    await createRun('done');
    await s.updateRun('done', 'tk', { state: 'finished', finishedAt: now() });
    const ended = await failure(s.appendMetrics('done', [point(0, { x: 1 })], { x: 1 }, ROOMY));
    expect(ended.code).toBe('CONFLICT');
    expect(ended.message).toContain('finished');
    expect(await s.readMetrics('done', -1, 10)).toEqual({ points: [], used: 0 });
    expect((await s.getRun('done'))?.summary).toEqual({});
    expect(
      (await failure(s.appendMetrics('nope', [point(0, { x: 1 })], undefined, ROOMY))).code,
    ).toBe('NOT_FOUND');
  });
}
