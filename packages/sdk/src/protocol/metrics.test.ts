import { describe, expect, it } from 'vitest';

import { LogMetricsRequest, MAX_METRIC_KEYS } from './metrics.js';

const manyKeys = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const issues = (body: unknown) => {
  const parsed = LogMetricsRequest.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.message);
};

describe('LogMetricsRequest', () => {
  it('takes numbers, the non-finite ones as strings, booleans and nulls; a summary with short strings', () => {
    const body = {
      points: [
        { step: 3, ts: 1, values: { loss: 0.5, diverged: 'Infinity', done: false, x: null } },
      ],
      summary: { best: 'epoch-3', loss: 'NaN' },
    };
    expect(LogMetricsRequest.parse(body)).toEqual(body);
    expect(LogMetricsRequest.parse({ summary: { a: 1 } })).toEqual({
      points: [],
      summary: { a: 1 },
    });
  });

  it('refuses a point without values or with too many keys, saying how many it may carry', () => {
    expect(issues({ points: [{ step: 0, values: {} }] })).toEqual([
      `a point carries 0 keys; it may carry 1 to ${MAX_METRIC_KEYS}`,
    ]);
    expect(issues({ points: [{ step: 0, values: manyKeys(MAX_METRIC_KEYS + 1) }] })).toHaveLength(
      1,
    );
    expect(issues({ points: [{ step: 0, values: manyKeys(MAX_METRIC_KEYS) }] })).toEqual([]);
    expect(issues({ summary: manyKeys(MAX_METRIC_KEYS + 1) })).toEqual([
      `a summary update carries ${MAX_METRIC_KEYS + 1} keys; it may carry 0 to ${MAX_METRIC_KEYS}`,
    ]);
  });

  it('refuses other strings as values, negative or fractional steps, and long keys', () => {
    for (const point of [
      { step: 0, values: { phase: 'train' } },
      { step: -1, values: { a: 1 } },
      { step: 0.5, values: { a: 1 } },
      { step: 0, values: { ['k'.repeat(257)]: 1 } },
    ]) {
      expect(
        issues({ points: [point] }).length,
        JSON.stringify(point).slice(0, 60),
      ).toBeGreaterThan(0);
    }
  });
});
