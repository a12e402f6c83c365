/**
 * @module Uploads (`rawBody` routes) are streamed to a temp file in the data dir (mode 0600) and
 * hashed on the way, one chunk at a time with the request paused while a chunk is written, so an
 * upload of any size costs the server a chunk of memory, never the whole body. The blob store then
 * moves or copies the file; the request's end removes whatever is left.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { LaunchError } from '@tminus/sdk';

import type { StagedBlob } from '../../store/blob-store.js';
import { payloadTooLarge, pumpBody } from './body-stream.js';

const PREFIX = 'upload-';
const SUFFIX = '.part';
/** Leftovers of a server that stopped mid-upload: no live upload goes this long without a write. */
const STALE_MS = 60 * 60 * 1000;

export function uploadTooLarge(limit: number): LaunchError {
  return payloadTooLarge(
    limit,
    'uploads',
    "Leave data sets and checkpoints out of the code snapshot; the server's --max-upload-mib sets the limit.",
  );
}

/** Receives the body into `<dir>/upload-<random>.part`; on failure the file is removed. */
export async function receiveUpload(
  req: IncomingMessage,
  dir: string,
  limit: number,
): Promise<StagedBlob> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${PREFIX}${randomBytes(12).toString('hex')}${SUFFIX}`);
  const file = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  let size: number;
  try {
    size = await pumpBody(
      req,
      limit,
      () => uploadTooLarge(limit),
      async (chunk) => {
        hash.update(chunk);
        for (let offset = 0; offset < chunk.byteLength;) {
          offset += (await file.write(chunk, offset)).bytesWritten;
        }
      },
    );
  } catch (error) {
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return { path, digest: `sha256:${hash.digest('hex')}`, size };
}

/** Removes what a receive left behind (the blob store may have moved it away already). */
export async function discardUpload(staged: StagedBlob): Promise<void> {
  await rm(staged.path, { force: true });
}

/** Removes temp files of uploads that a stopped server left behind. */
export async function removeStaleUploads(dir: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && now - info.mtimeMs > STALE_MS) await rm(path, { force: true });
  }
}
