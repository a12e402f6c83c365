import { chmodSync, cpSync, mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { list } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tempDir } from '../../../../test/helpers/temp.js';
import { PACK_EXCLUDES, packDirectory } from './pack.js';

let dir: ReturnType<typeof tempDir>;
let code: string;

function write(relative: string, text: string): void {
  const path = join(code, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** The entry paths of a packed tarball, read back with node-tar. */
async function entriesOf(bytes: Uint8Array): Promise<string[]> {
  const tarball = join(dir.path, `entries-${Math.random().toString(36).slice(2)}.tgz`);
  writeFileSync(tarball, bytes);
  const entries: string[] = [];
  await list({ file: tarball, onReadEntry: (e) => entries.push(e.path) });
  return entries;
}

beforeEach(() => {
  dir = tempDir('pack');
  code = join(dir.path, 'code');
  write('train.py', 'print(1)\n');
  write('src/util.py', 'x = 1\n');
  write('requirements.txt', 'numpy\n');
});
afterEach(() => dir.remove());

describe('packDirectory', () => {
  it('gives the same digest for the same directory, in sorted order', async () => {
    const a = await packDirectory(code);
    const b = await packDirectory(code);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await entriesOf(a.bytes)).toEqual(['requirements.txt', 'src/util.py', 'train.py']);
  });

  it('ignores modification times and where the directory lives', async () => {
    const before = await packDirectory(code);
    utimesSync(join(code, 'train.py'), new Date('2001-01-01'), new Date('2001-01-01'));
    expect((await packDirectory(code)).digest).toBe(before.digest);
    const copy = join(dir.path, 'elsewhere', 'copy');
    cpSync(code, copy, { recursive: true });
    expect((await packDirectory(copy)).digest).toBe(before.digest);
  });

  it.each([
    ['changing a file', () => write('train.py', 'print(2)\n')],
    ['adding a file', () => write('src/new.py', '')],
    ['renaming a file', () => renameSync(join(code, 'src/util.py'), join(code, 'src/utils.py'))],
    ['making a file executable', () => chmodSync(join(code, 'train.py'), 0o755)],
  ])('changes the digest when %s', async (_what, change) => {
    const before = await packDirectory(code);
    change();
    expect((await packDirectory(code)).digest).not.toBe(before.digest);
  });

  it('leaves out .git, node_modules, __pycache__, .venv and wandb, at any depth', async () => {
    const before = await packDirectory(code);
    for (const name of ['.git', 'node_modules', '__pycache__', '.venv', 'wandb']) {
      write(`${name}/junk`, 'junk\n');
      write(`src/${name}/junk`, 'junk\n');
    }
    const after = await packDirectory(code);
    expect(await entriesOf(after.bytes)).toEqual(['requirements.txt', 'src/util.py', 'train.py']);
    expect(after.digest).toBe(before.digest);
    expect([...PACK_EXCLUDES]).toEqual(
      expect.arrayContaining(['.git', 'node_modules', '__pycache__', '.venv', 'wandb']),
    );
  });
});
