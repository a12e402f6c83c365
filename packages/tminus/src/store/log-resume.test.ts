import { describe, expect, it } from 'vitest';

import { unseenLines } from './log-resume.js';

const fresh = { token: null, count: 0 };

describe('which lines of an append the log already has', () => {
  it.each([
    ['the first append', fresh, 't', 0, ['a', 'b'], ['a', 'b'], 2],
    ['the next one', { token: 't', count: 2 }, 't', 2, ['c'], ['c'], 3],
    ['a retry whose first attempt landed', { token: 't', count: 3 }, 't', 2, ['c'], [], 3],
    ['a retry that overlaps', { token: 't', count: 3 }, 't', 1, ['b', 'c', 'd'], ['d'], 4],
    ['a new attempt (new token) starts at 0', { token: 't', count: 3 }, 'u', 0, ['x'], ['x'], 1],
    ['a gap (lines the server never got)', { token: 't', count: 2 }, 't', 5, ['f'], ['f'], 6],
  ])('%s', (_name, received, token, from, lines, kept, count) => {
    expect(unseenLines(received, token, from, lines)).toEqual({
      lines: kept,
      received: { token, count },
    });
  });

  it('an append without a first line number (an older agent) is kept whole and not counted', () => {
    expect(unseenLines({ token: 't', count: 3 }, 't', undefined, ['a'])).toEqual({
      lines: ['a'],
      received: { token: 't', count: 3 },
    });
  });
});
