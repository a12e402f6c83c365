import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { LaunchError } from '@tminus/sdk';

import type { BlobStore } from '../../store/blob-store.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** Blobs as files under `<dir>/sha256/<hex>`: a staged upload is fsynced, then renamed into place. */
export function createFsBlobStore(dir: string): BlobStore {
  const pathOf = (digest: string) => {
    const hex = DIGEST.exec(digest)?.[1];
    return hex === undefined ? undefined : join(dir, 'sha256', hex);
  };
  return {
    async put(staged) {
      const path = pathOf(staged.digest);
      if (path === undefined)
        throw new LaunchError('INTERNAL', `Not a content address: ${staged.digest}`);
      if (await exists(path)) return staged.digest;
      // The owner's alone, like the rest of the data dir (lib/private-files.ts); the staged file is 0600.
      await mkdir(join(dir, 'sha256'), { recursive: true, mode: 0o700 });
      await fsync(staged.path);
      await moveInto(staged.path, path);
      return staged.digest;
    },
    async get(digest) {
      const path = pathOf(digest);
      if (path === undefined) return undefined;
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) return undefined;
      return { size: info.size, chunks: () => createReadStream(path) };
    },
    async has(digest) {
      const path = pathOf(digest);
      return path !== undefined && (await exists(path));
    },
  };
}

async function fsync(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Renames `from` to `to`; across file systems (a data dir spanning mounts) copies, syncs, renames. */
async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const tmp = `${to}.${process.pid}.${Date.now()}.tmp`;
    try {
      await copyFile(from, tmp);
      await fsync(tmp);
      await rename(tmp, to);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
