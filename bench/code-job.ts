/** A `code` job for a bench: a few files tarred into a snapshot, uploaded, and a job that runs an entrypoint in it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Api } from '@tminus/sdk';
import { create } from 'tar';

/**
 * Writes `files` (name → text, in order) into `dir`, uploads `dir` as a gzipped tarball and creates
 * the job `bench/<name>` running `entrypoint` there; returns the job's ref. A file of random text
 * among them makes the snapshot new (a cold cache on the agent).
 */
export async function codeJob(
  api: Api,
  dir: string,
  name: string,
  entrypoint: readonly string[],
  files: Readonly<Record<string, string>>,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const chunks: Buffer[] = [];
  for await (const c of create({ gzip: true, cwd: dir, portable: true }, [
    '.',
  ]) as AsyncIterable<Buffer>)
    chunks.push(c);
  const { digest } = await api.request('uploadBlob', {
    raw: new Uint8Array(Buffer.concat(chunks)),
  });
  const created = await api.request('createJob', {
    body: { project: 'bench', name, source: { type: 'code', digest, entrypoint: [...entrypoint] } },
  });
  return created.job.ref;
}
