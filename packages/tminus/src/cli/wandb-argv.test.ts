import { describe, expect, it } from 'vitest';

import { expandTwoLetterOptions } from './wandb-argv.js';

const argv = (...args: string[]) => ['node', 'tminus', ...args];

describe('W&B’s two-letter short options', () => {
  it.each([
    [
      ['launch', '-j', 'a/b/c', '-rg', 'reg.io/x', '-pq', 'legacy'],
      ['launch', '-j', 'a/b/c', '--repository', 'reg.io/x', '--project-queue', 'legacy'],
    ],
    [
      ['launch', '-rg=reg.io/x'],
      ['launch', '--repository=reg.io/x'],
    ],
    [
      ['--base-url', 'http://h', 'launch', '-pq', 'p'],
      ['--base-url', 'http://h', 'launch', '--project-queue', 'p'],
    ],
    [
      ['launch', '-E', 'x', '--', '-rg'],
      ['launch', '-E', 'x', '--', '-rg'],
    ],
    [
      ['run', 'list', '-rg'],
      ['run', 'list', '-rg'],
    ],
    [
      ['agent', '-q', 'launch', '-rg'],
      ['agent', '-q', 'launch', '-rg'],
    ],
  ])('%j → %j', (given, expected) => {
    expect(expandTwoLetterOptions(argv(...given))).toEqual(argv(...expected));
  });
});
