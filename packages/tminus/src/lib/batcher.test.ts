import { describe, expect, it } from 'vitest';

import { Batcher } from './batcher.js';

/** A batch function that records each batch and answers when told to. */
function recorder() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const run = (inputs: readonly number[]) =>
    new Promise<number[]>((resolve) => {
      batches.push([...inputs]);
      pending.push(() => resolve(inputs.map((n) => n * 10)));
    });
  const releaseAll = async () => {
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batches, run, releaseAll };
}

describe('Batcher', () => {
  it('runs a call alone at once when nothing is in flight, and groups the calls that arrive meanwhile', async () => {
    const r = recorder();
    const batcher = new Batcher(r.run, 1);
    const first = batcher.call(1);
    expect(r.batches).toEqual([[1]]); // no timer: it went out synchronously
    const rest = [2, 3, 4].map((n) => batcher.call(n));
    expect(r.batches).toEqual([[1]]);
    await r.releaseAll();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps calls with the same key out of one batch, in arrival order', async () => {
    const r = recorder();
    const batcher = new Batcher(r.run, 1, 500, (n: number) => String(n % 2));
    const calls = [1, 2, 3, 4, 5].map((n) => batcher.call(n));
    await r.releaseAll();
    expect(await Promise.all(calls)).toEqual([10, 20, 30, 40, 50]);
    expect(r.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('a failed batch is run again one call at a time, so only the failing call sees the error', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher(async (inputs: readonly number[]) => {
      batches.push([...inputs]);
      if (inputs.includes(3)) throw new Error('3 is refused');
      return inputs.map((n) => -n);
    }, 1);
    const held = batcher.call(0); // in flight: the next three wait and go together
    const calls = [1, 3, 5].map((n) =>
      batcher.call(n).then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    expect(await held).toBe(-0);
    expect(await Promise.all(calls)).toEqual([{ v: -1 }, { e: '3 is refused' }, { v: -5 }]);
    expect(batches).toEqual([[0], [1, 3, 5], [1], [3], [5]]);
  });

  it('honours the batch size limit and the number of batches in flight', async () => {
    const r = recorder();
    const batcher = new Batcher(r.run, 2, 2);
    const calls = [1, 2, 3, 4, 5, 6].map((n) => batcher.call(n));
    expect(r.batches).toEqual([[1], [2]]);
    await r.releaseAll();
    expect(await Promise.all(calls)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(r.batches.slice(2).flat().sort()).toEqual([3, 4, 5, 6]);
    expect(Math.max(...r.batches.map((b) => b.length))).toBe(2);
  });

  it('an answer of the wrong length is not handed out: the calls are run again one at a time', async () => {
    const batcher = new Batcher(async () => [1], 1);
    await expect(batcher.call(1)).resolves.toBe(1);
    const held = batcher.call(2);
    const a = batcher.call(3);
    const b = batcher.call(4);
    await held;
    // [3, 4] answered with one result → retried alone → each answered with one result.
    expect(await Promise.all([a, b])).toEqual([1, 1]);
  });
});
