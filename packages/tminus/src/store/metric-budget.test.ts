import { describe, expect, it } from 'vitest';

import { fitPoints, mergeSummary } from './metric-budget.js';

const limit = { maxValues: 5, maxSummaryKeys: 2 };
const point = (step: number, ...keys: string[]) => ({
  step,
  values: Object.fromEntries(keys.map((k) => [k, step])),
});

describe('fitPoints', () => {
  it('keeps points while the count of values stays within the limit', () => {
    const points = [point(0, 'loss', 'acc'), point(1, 'loss', 'acc')];
    expect(fitPoints(1, points, limit)).toEqual({ keep: points, used: 5, truncated: false });
  });

  it('drops the point that would pass the limit whole, and every later one, even a smaller one', () => {
    const points = [point(0, 'loss'), point(1, 'loss', 'acc'), point(2, 'loss')];
    expect(fitPoints(3, points, limit)).toEqual({
      keep: [point(0, 'loss')],
      used: 5,
      truncated: true,
    });
  });

  it('keeps nothing more once the limit was reached', () => {
    expect(fitPoints(5, [point(0, 'loss')], limit)).toEqual({ keep: [], used: 5, truncated: true });
  });
});

describe('mergeSummary', () => {
  it('sets and replaces keys, removes a key given null', () => {
    expect(mergeSummary({ loss: 1, acc: 0.5 }, { loss: 0.5, acc: null }, 2)).toEqual({ loss: 0.5 });
  });

  it('drops new keys past the limit but still updates known ones', () => {
    expect(mergeSummary({ a: 1, b: 2 }, { c: 3, a: 4 }, 2)).toEqual({ a: 4, b: 2 });
    // Removals come first, wherever they are in the patch.
    expect(mergeSummary({ a: 1, b: 2 }, { c: 3, a: null }, 2)).toEqual({ b: 2, c: 3 });
  });

  it('does not change the summary it was given', () => {
    const current = { a: 1 };
    mergeSummary(current, { a: 2 }, 2);
    expect(current).toEqual({ a: 1 });
  });
});
