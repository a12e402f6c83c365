import type { Api, JobVersion } from '@tminus/sdk';
import { create } from 'tar';

/** Packs a directory as a gzipped tar, uploads it and creates a code job of it. */
export async function uploadCodeJob(
  api: Api,
  dir: string,
  job: { project: string; name: string; entrypoint: string[] },
): Promise<JobVersion> {
  const chunks: Buffer[] = [];
  const stream = create({ gzip: true, cwd: dir, portable: true }, ['.']);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const { digest } = await api.request('uploadBlob', {
    raw: new Uint8Array(Buffer.concat(chunks)),
  });
  const created = await api.request('createJob', {
    body: {
      project: job.project,
      name: job.name,
      source: { type: 'code', digest, entrypoint: job.entrypoint },
    },
  });
  return created.job;
}
