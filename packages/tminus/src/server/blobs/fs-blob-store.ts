import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { sha256Hex } from '../ids.js';
import type { BlobStore } from '../../store/blob-store.js';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** Blobs as files under `<dir>/sha256/<hex>`, written to a temp file, fsynced, then renamed. */
export function createFsBlobStore(dir: string): BlobStore {
  const pathOf = (digest: string) => {
    const hex = DIGEST.exec(digest)?.[1];
    return hex === undefined ? undefined : join(dir, 'sha256', hex);
  };
  return {
    async put(bytes) {
      const digest = `sha256:${sha256Hex(bytes)}`;
      const path = pathOf(digest)!;
      if (await exists(path)) return digest;
      // The owner's alone, like the rest of the data dir (lib/private-files.ts).
      await mkdir(join(dir, 'sha256'), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      const file = await open(tmp, 'w', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
      return digest;
    },
    async get(digest) {
      const path = pathOf(digest);
      if (path === undefined) return undefined;
      try {
        return new Uint8Array(await readFile(path));
      } catch {
        return undefined;
      }
    },
    async has(digest) {
      const path = pathOf(digest);
      return path !== undefined && (await exists(path));
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
