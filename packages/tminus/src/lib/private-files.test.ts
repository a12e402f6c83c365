import { chmodSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../../../../test/helpers/temp.js';
import { exposedPaths, makeDataDirPrivate } from './private-files.js';

let tmp: ReturnType<typeof tempDir>;
let data: string;
let outside: string;
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A data dir as an older tminus (or a loose umask) left it. */
beforeEach(() => {
  tmp = tempDir('private-files');
  data = join(tmp.path, 'data');
  outside = join(tmp.path, 'outside.txt');
  writeFileSync(outside, 'not ours', { mode: 0o644 });
  mkdirSync(join(data, 'blobs', 'sha256'), { recursive: true });
  mkdirSync(join(data, 'agent-cache', 'git'), { recursive: true });
  for (const [name, mode] of [
    ['tminus.db', 0o644],
    ['tminus.db-wal', 0o664],
    ['tminus.db-shm', 0o644],
    ['blobs/sha256/abc', 0o644],
    ['agent-cache/git/file', 0o644],
  ] as const) {
    writeFileSync(join(data, name), name);
    chmodSync(join(data, name), mode);
  }
  for (const dir of ['', 'blobs', 'blobs/sha256', 'agent-cache']) chmodSync(join(data, dir), 0o755);
  symlinkSync(outside, join(data, 'link'));
});
afterEach(() => tmp.remove());

describe('a data dir made private', () => {
  it('lists what group/others may read or write: the dir, the database files, the blobs tree, the top entries', () => {
    expect(
      exposedPaths(data)
        .map((p) => [p.path.slice(data.length), p.mode.toString(8)])
        .sort(),
    ).toEqual([
      ['', '755'],
      ['/agent-cache', '755'],
      ['/blobs', '755'],
      ['/blobs/sha256', '755'],
      ['/blobs/sha256/abc', '644'],
      ['/tminus.db', '644'],
      ['/tminus.db-shm', '644'],
      ['/tminus.db-wal', '664'],
    ]);
  });

  it('makes them 0700 / 0600 whatever they were, and leaves symlinks’ targets and the agent’s files inside its cache alone', () => {
    makeDataDirPrivate(data);
    expect(exposedPaths(data)).toEqual([]);
    for (const dir of ['', 'blobs', 'blobs/sha256', 'agent-cache'])
      expect(modeOf(join(data, dir)), dir).toBe(0o700);
    for (const file of ['tminus.db', 'tminus.db-wal', 'tminus.db-shm', 'blobs/sha256/abc'])
      expect(modeOf(join(data, file)), file).toBe(0o600);
    expect(modeOf(outside)).toBe(0o644);
    expect(modeOf(join(data, 'agent-cache', 'git', 'file'))).toBe(0o644);
  });

  it('creates a missing data dir as 0700', () => {
    const fresh = join(tmp.path, 'fresh', 'data');
    makeDataDirPrivate(fresh);
    expect(modeOf(fresh)).toBe(0o700);
  });
});
