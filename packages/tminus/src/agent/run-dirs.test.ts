import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../../../../test/helpers/temp.js';
import { RunDirRetention, runDirsToRemove } from './run-dirs.js';

const HOUR = 3_600_000;

describe('which ended runs’ directories go', () => {
  const dirs = [
    { path: 'old', endedAt: 0, bytes: 10 },
    { path: 'mid', endedAt: 5 * HOUR, bytes: 30 },
    { path: 'new', endedAt: 9 * HOUR, bytes: 50 },
  ];
  it.each([
    ['none, within age and budget', { maxAgeMs: 24 * HOUR, maxBytes: 100 }, []],
    ['those past the age', { maxAgeMs: 6 * HOUR, maxBytes: 100 }, ['old']],
    [
      'those past the age, at the age exactly',
      { maxAgeMs: 5 * HOUR, maxBytes: 100 },
      ['old', 'mid'],
    ],
    ['the oldest, until the rest fit the budget', { maxAgeMs: 24 * HOUR, maxBytes: 80 }, ['old']],
    ['the oldest first, even a small one', { maxAgeMs: 24 * HOUR, maxBytes: 79 }, ['old', 'mid']],
    [
      'all, with no age allowed (removed when the run ends)',
      { maxAgeMs: 0, maxBytes: 100 },
      ['old', 'mid', 'new'],
    ],
  ])('%s', (_name, policy, removed) => {
    expect(runDirsToRemove(dirs, policy, 10 * HOUR)).toEqual(removed);
  });
});

describe('the agent’s retention of run directories', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('run-dirs')));
  afterEach(() => tmp.remove());

  /** A run directory with `bytes` of output. */
  const runDir = (name: string, bytes: number) => {
    const dir = join(tmp.path, name);
    mkdirSync(join(dir, 'src', 'wandb'), { recursive: true });
    writeFileSync(join(dir, 'src', 'wandb', 'run.wandb'), 'x'.repeat(bytes));
    return dir;
  };

  it('keeps a directory when its run ends; removes it once past the age', async () => {
    const retention = new RunDirRetention(tmp.path, { maxAgeMs: 24 * HOUR, maxBytes: 1e9 });
    const a = runDir('r1-0000000a', 100);
    const endedAt = Date.now();
    expect(await retention.ended(a, endedAt)).toEqual([]);
    expect(existsSync(join(a, 'src', 'wandb', 'run.wandb'))).toBe(true);
    expect(await retention.sweep(endedAt + 23 * HOUR)).toEqual([]);
    expect(await retention.sweep(endedAt + 25 * HOUR)).toEqual([a]);
    expect(existsSync(a)).toBe(false);
    expect(existsSync(`${a}.ended`)).toBe(false);
  });

  it('a restarted agent finds the records its predecessor left (the end time is the record’s mtime)', async () => {
    const a = runDir('r1-0000000a', 100);
    await new RunDirRetention(tmp.path, { maxAgeMs: 24 * HOUR, maxBytes: 1e9 }).ended(a);
    const twoDaysAgo = new Date(Date.now() - 48 * HOUR);
    utimesSync(`${a}.ended`, twoDaysAgo, twoDaysAgo);
    const restarted = new RunDirRetention(tmp.path, { maxAgeMs: 24 * HOUR, maxBytes: 1e9 });
    expect(await restarted.sweep()).toEqual([a]);
    expect(existsSync(a)).toBe(false);
  });

  it('within the disk budget, the oldest go first; a directory still in use is never touched', async () => {
    const retention = new RunDirRetention(tmp.path, { maxAgeMs: 24 * HOUR, maxBytes: 250 });
    const live = runDir('live-0000000c', 10_000);
    const first = runDir('r1-0000000a', 200);
    await retention.ended(first);
    const second = runDir('r2-0000000b', 200);
    expect(await retention.ended(second)).toEqual([first]);
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(true);
    expect(existsSync(live)).toBe(true);
  });
});
