/**
 * @module The part of the store contract about filtering the run list by job. Run by
 * `describeStoreContract` against every adapter.
 */
import { beforeEach, expect, it } from 'vitest';

import { contractFixtures } from './contract-fixtures.js';
import type { Store } from './store.js';

export function describeRunListContract(current: () => Store, now: () => number): void {
  const { newRun } = contractFixtures(current, now);
  // Read at each use: the suite opens a new store before each test.
  let store: Store;
  beforeEach(() => {
    store = current();
  });
  it('listRuns filters by job: whole names, with or without its project and version', async () => {
    await store.createRun(newRun('train3', 't', { job: 'e/vision/train:v3' }));
    await store.createRun(newRun('train4', 't', { job: 'e/vision/train:v4' }));
    await store.createRun(newRun('pretrain', 't', { job: 'e/vision/pretrain:v0' }));
    await store.createRun(newRun('nlp', 't', { job: 'e/nlp/train:v0' }));
    await store.createRun(newRun('nojob', 't'));
    const ids = async (job: string) =>
      (await store.listRuns({ job, limit: 10 })).items.map((r) => r.id);
    expect(await ids('train')).toEqual(['nlp', 'train4', 'train3']);
    expect(await ids('vision/train')).toEqual(['train4', 'train3']);
    expect(await ids('e/vision/train:v3')).toEqual(['train3']);
    expect(await ids('train:v0')).toEqual(['nlp']);
    expect(await ids('rain')).toEqual([]);
    expect(await ids('vision')).toEqual([]);
    const first = await store.listRuns({ job: 'train', limit: 2 });
    expect(first.items.map((r) => r.id)).toEqual(['nlp', 'train4']);
    const next = await store.listRuns({ job: 'train', limit: 2, cursor: first.nextCursor ?? '' });
    expect(next).toEqual({
      items: [expect.objectContaining({ id: 'train3' })],
      nextCursor: null,
    });
  });
}
