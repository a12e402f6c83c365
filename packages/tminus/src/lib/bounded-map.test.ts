import { describe, expect, it } from 'vitest';

import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('forgets the oldest entry past its limit; updating a key keeps the size', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    m.set('b', 3);
    expect([...m]).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
    m.set('c', 4);
    expect([...m]).toEqual([
      ['b', 3],
      ['c', 4],
    ]);
    expect(m.get('a')).toBeUndefined();
  });
});
