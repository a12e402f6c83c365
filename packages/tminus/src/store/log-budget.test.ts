import { describe, expect, it } from 'vitest';

import { fitLines } from './log-budget.js';

const limit = { maxBytes: 10, notice: 'log limit reached' };
const line = (text: string) => ({ stream: 'stdout' as const, text });

describe('fitLines', () => {
  it('keeps lines while the total stays within the limit', () => {
    expect(fitLines(0, [line('abc'), line('defg')], limit)).toEqual({
      keep: [line('abc'), line('defg')],
      used: 7,
      truncated: false,
    });
  });

  it('replaces the line that would pass the limit with the notice, and counts the bytes of UTF-8', () => {
    // "é" is two bytes: 7 + 4 = 11 > 10.
    expect(fitLines(7, [line('éé'), line('x')], limit)).toEqual({
      keep: [{ stream: 'system', text: 'log limit reached' }],
      used: 10,
      truncated: true,
    });
    expect(fitLines(4, [line('12'), line('1234567')], limit).keep).toEqual([
      line('12'),
      { stream: 'system', text: 'log limit reached' },
    ]);
  });

  it('keeps nothing more once the limit was reached', () => {
    expect(fitLines(10, [line('a')], limit)).toEqual({ keep: [], used: 10, truncated: true });
  });
});
