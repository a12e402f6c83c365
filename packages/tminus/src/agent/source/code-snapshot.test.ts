import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { create } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { CodeSource } from '@tminus/sdk/protocol';

import { tempDir } from '../../../../../test/helpers/temp.js';
import { codeSnapshotPath, prepareCodeSnapshot } from './code-snapshot.js';
import { PrepareError } from '../../runners/prepare-error.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir('code-snapshot')));
afterEach(() => tmp.remove());

/** A real gzipped tar of `files`, as `tminus job create code` uploads it, with its real digest. */
async function snapshot(
  files: Record<string, string>,
): Promise<{ bytes: Uint8Array; source: CodeSource; hex: string }> {
  const dir = join(tmp.path, 'code');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return pack(dir);
}

async function pack(dir: string): Promise<{ bytes: Uint8Array; source: CodeSource; hex: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of create({ gzip: true, cwd: dir, portable: true }, [
    '.',
  ]) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  const bytes = new Uint8Array(Buffer.concat(chunks));
  const hex = createHash('sha256').update(bytes).digest('hex');
  return { bytes, hex, source: { type: 'code', digest: `sha256:${hex}`, entrypoint: ['main.py'] } };
}

function downloader(bytes: Uint8Array) {
  const calls: string[] = [];
  return { calls, download: (digest: string) => (calls.push(digest), Promise.resolve(bytes)) };
}

describe('code snapshot preparation', () => {
  it('downloads once, verifies, caches and extracts into each run directory', async () => {
    const { bytes, source, hex } = await snapshot({
      'main.py': 'print(1)\n',
      'pkg/util.py': 'X = 2\n',
    });
    const { calls, download } = downloader(bytes);
    const cache = join(tmp.path, 'cache');
    expect(await prepareCodeSnapshot(source, download, cache, join(tmp.path, 'run1'))).toEqual({
      downloaded: true,
    });
    expect(await prepareCodeSnapshot(source, download, cache, join(tmp.path, 'run2'))).toEqual({
      downloaded: false,
    });
    expect(calls).toEqual([source.digest]);
    expect(existsSync(codeSnapshotPath(cache, hex))).toBe(true);
    for (const run of ['run1', 'run2']) {
      expect(readFileSync(join(tmp.path, run, 'main.py'), 'utf8')).toBe('print(1)\n');
      expect(readFileSync(join(tmp.path, run, 'pkg/util.py'), 'utf8')).toBe('X = 2\n');
    }
  });

  it('keeps directories and executable bits; every run gets its own copy', async () => {
    const dir = join(tmp.path, 'exec');
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    writeFileSync(join(dir, 'a/b/c.txt'), 'deep\n');
    const { bytes, source } = await pack(dir);
    const cache = join(tmp.path, 'cache');
    const { download } = downloader(bytes);
    for (const run of ['run1', 'run2'])
      await prepareCodeSnapshot(source, download, cache, join(tmp.path, run));
    expect(statSync(join(tmp.path, 'run2', 'run.sh')).mode & 0o111).not.toBe(0);
    expect(statSync(join(tmp.path, 'run2', 'a/b/c.txt')).mode & 0o111).toBe(0);
    writeFileSync(join(tmp.path, 'run1', 'a/b/c.txt'), 'changed by run 1');
    await prepareCodeSnapshot(source, download, cache, join(tmp.path, 'run3'));
    for (const run of ['run2', 'run3'])
      expect(readFileSync(join(tmp.path, run, 'a/b/c.txt'), 'utf8')).toBe('deep\n');
  });

  it('unpacks a snapshot holding a symbolic link with node-tar, which keeps it inside the run directory', async () => {
    const dir = join(tmp.path, 'linked');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.py'), 'print(1)\n');
    symlinkSync('main.py', join(dir, 'alias.py'));
    const { bytes, source } = await pack(dir);
    await prepareCodeSnapshot(
      source,
      downloader(bytes).download,
      join(tmp.path, 'cache'),
      join(tmp.path, 'run'),
    );
    expect(lstatSync(join(tmp.path, 'run', 'alias.py')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(tmp.path, 'run', 'alias.py'), 'utf8')).toBe('print(1)\n');
  });

  it('downloads a snapshot only once when runs of it start together', async () => {
    const { bytes, source } = await snapshot({ 'main.py': 'print(1)\n' });
    const { calls, download } = downloader(bytes);
    const cache = join(tmp.path, 'cache');
    await Promise.all(
      [1, 2, 3].map((i) => prepareCodeSnapshot(source, download, cache, join(tmp.path, `run${i}`))),
    );
    expect(calls).toHaveLength(1);
  });

  it('refuses bytes that do not match the digest, and caches nothing', async () => {
    const { bytes, source, hex } = await snapshot({ 'main.py': 'print(1)\n' });
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 1] = tampered.at(-1)! ^ 0xff;
    const cache = join(tmp.path, 'cache');
    const error = await prepareCodeSnapshot(
      source,
      downloader(tampered).download,
      cache,
      join(tmp.path, 'run'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrepareError);
    expect((error as PrepareError).reason).toBe('code_digest');
    expect((error as PrepareError).message).toMatch(/arrived corrupted/);
    expect(existsSync(codeSnapshotPath(cache, hex))).toBe(false);
  });

  it('drops a damaged cache file so the next run downloads it again', async () => {
    const { bytes, source, hex } = await snapshot({ 'main.py': 'print(1)\n' });
    const cache = join(tmp.path, 'cache');
    mkdirSync(join(cache, 'code'), { recursive: true });
    writeFileSync(codeSnapshotPath(cache, hex), 'not a tarball');
    const { calls, download } = downloader(bytes);
    const error = await prepareCodeSnapshot(source, download, cache, join(tmp.path, 'run1')).catch(
      (e: unknown) => e,
    );
    expect((error as PrepareError).reason).toBe('code_extract');
    await prepareCodeSnapshot(source, download, cache, join(tmp.path, 'run2'));
    expect(calls).toHaveLength(1);
    expect(readFileSync(join(tmp.path, 'run2', 'main.py'), 'utf8')).toBe('print(1)\n');
  });

  it('says so when the download fails', async () => {
    const { source } = await snapshot({ 'main.py': '' });
    const error = await prepareCodeSnapshot(
      source,
      () => Promise.reject(new Error('blob not found')),
      join(tmp.path, 'c'),
      join(tmp.path, 'r'),
    ).catch((e: unknown) => e);
    expect((error as PrepareError).message).toBe(
      `Could not download the job's code snapshot ${source.digest}: blob not found`,
    );
  });
});
