/**
 * @module Code sources: the uploaded snapshot (a gzipped tar) is downloaded once per digest into
 * `<cacheDir>/code/<hex>.tgz`, checked against its digest, and written into each run's directory
 * (small ones from memory, the rest unpacked by node-tar).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { CodeSource } from '@tminus/sdk/protocol';
import { extract } from 'tar';

import { BoundedMap } from '../../lib/bounded-map.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { pathUnder } from '../work-paths.js';
import { PrepareError } from '../../runners/prepare-error.js';
import { readSnapshotFiles, type SnapshotFiles, writeSnapshotFiles } from './snapshot-files.js';

/** Fetches a blob's bytes by content address (the agent passes `api.request('downloadBlob', …)`). */
export type BlobDownloader = (digest: string) => Promise<Uint8Array>;

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const downloads = new KeyedMutex();
/** Small snapshots' files in memory, by cache file (see snapshot-files.ts); 'unpack' for those that go through tar. */
const inMemorySnapshots = new BoundedMap<string, SnapshotFiles | 'unpack'>(64);

/** `hex` comes from the server's digest, checked against DIGEST first. */
export function codeSnapshotPath(cacheDir: string, hex: string): string {
  return pathUnder(join(cacheDir, 'code'), `${hex}.tgz`);
}

/** Returns whether the snapshot had to be downloaded (false: it was in the cache). */
async function ensureCached(
  source: CodeSource,
  download: BlobDownloader,
  file: string,
  hex: string,
): Promise<boolean> {
  return downloads.run(hex, async () => {
    if (existsSync(file)) return false;
    let bytes: Uint8Array;
    try {
      bytes = await download(source.digest);
    } catch (error) {
      throw new PrepareError(
        `Could not download the job's code snapshot ${source.digest}: ${(error as Error).message}`,
        'code_download',
      );
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hex) {
      throw new PrepareError(
        `The job's code snapshot ${source.digest} arrived corrupted (its sha256 is ${actual}); re-upload the job's code`,
        'code_digest',
      );
    }
    await mkdir(join(file, '..'), { recursive: true });
    // Write beside and rename: readers never see half a file, even from another agent on this machine.
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
    return true;
  });
}

/** Extracts the snapshot `source` names into `dir`, downloading it first if it is not cached. */
export async function prepareCodeSnapshot(
  source: CodeSource,
  download: BlobDownloader,
  cacheDir: string,
  dir: string,
): Promise<{ downloaded: boolean }> {
  const hex = DIGEST.exec(source.digest)?.[1];
  if (hex === undefined)
    throw new PrepareError(
      `The job's code digest "${source.digest}" is not sha256:<64 hex digits>`,
      'code_digest',
    );
  const file = codeSnapshotPath(cacheDir, hex);
  const downloaded = await ensureCached(source, download, file, hex);
  try {
    let inMemory = inMemorySnapshots.get(file);
    if (inMemory === undefined)
      inMemorySnapshots.set(file, (inMemory = (await readSnapshotFiles(file)) ?? 'unpack'));
    if (inMemory === 'unpack') {
      await mkdir(dir, { recursive: true });
      // node-tar strips absolute paths and `..` entries and refuses links out: a snapshot cannot write outside `dir`.
      // The files are the agent's, whoever the archive says owned them (node-tar keeps owners for root).
      await extract({ file, cwd: dir, strict: true, preserveOwner: false });
    } else {
      writeSnapshotFiles(inMemory, dir);
    }
  } catch (error) {
    // A damaged cache file would fail every later run too: drop it so the next run downloads again.
    inMemorySnapshots.delete(file);
    await rm(file, { force: true });
    throw new PrepareError(
      `Could not unpack the job's code snapshot ${source.digest}: ${(error as Error).message}`,
      'code_extract',
    );
  }
  return { downloaded };
}
