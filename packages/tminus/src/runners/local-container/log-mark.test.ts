import { describe, expect, it } from 'vitest';

import { splitStamp } from './log-mark.js';

describe('splitStamp', () => {
  it.each<[string, boolean, string | undefined, string]>([
    ['2026-12-04T19:10:24.172122518Z hello', false, '2026-12-04T19:10:24.172122518Z', 'hello'],
    // Docker drops trailing zeros; padded, the times compare as strings.
    ['2026-12-04T19:10:24.1Z  two spaces', false, '2026-12-04T19:10:24.100000000Z', ' two spaces'],
    ['2026-12-04T19:10:24Z ', false, '2026-12-04T19:10:24.000000000Z', ''],
    ['no stamp', false, undefined, 'no stamp'],
    // Podman: a line written in two pieces.
    [
      '2026-12-04T19:11:10.98Z lr2026-12-04T19:11:10.982097968Z  0.3 in /app',
      true,
      '2026-12-04T19:11:10.982097968Z',
      'lr 0.3 in /app',
    ],
    [
      '2026-12-04T19:11:10.98Z at 2026-12-04T19:11:10.5Z as docker prints',
      false,
      '2026-12-04T19:11:10.980000000Z',
      'at 2026-12-04T19:11:10.5Z as docker prints',
    ],
  ])('%j', (line, pieces, time, text) => {
    expect(splitStamp(line, pieces)).toEqual({ time, text });
  });

  it('orders times of different precision', () => {
    const a = splitStamp('2026-12-04T19:11:10.1234Z a').time!;
    const b = splitStamp('2026-12-04T19:11:10.12345Z b').time!;
    expect(a < b).toBe(true);
  });
});
