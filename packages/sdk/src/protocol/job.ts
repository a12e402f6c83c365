import * as z from 'zod';

import { Name, Timestamp } from './common.js';

/** A job's source, one of three kinds (W&B: repo, artifact, image). */
export const GitSource = z.object({
  type: z.literal('git'),
  /** https://, ssh://, user@host:path, or a local path. */
  remote: z.string().min(1),
  /** Commit hash, if resolved when the job was created. */
  commit: z.string().optional(),
  /** Branch or tag to resolve when the run starts, if no commit was pinned. */
  ref: z.string().optional(),
  entrypoint: z.array(z.string()).min(1),
});
export const CodeSource = z.object({
  type: z.literal('code'),
  /** Content address of the uploaded snapshot (a gzipped tar), `sha256:<hex>`. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits>'),
  entrypoint: z.array(z.string()).min(1),
});
export const ImageSource = z.object({
  type: z.literal('image'),
  image: z.string().min(1),
  entrypoint: z.array(z.string()).optional(),
});
export const JobSource = z.discriminatedUnion('type', [GitSource, CodeSource, ImageSource]);
export type JobSource = z.infer<typeof JobSource>;
export type GitSource = z.infer<typeof GitSource>;
export type CodeSource = z.infer<typeof CodeSource>;

export const JobVersion = z.object({
  entity: z.string(),
  project: z.string(),
  name: z.string(),
  /** `v0`, `v1`, … */
  version: z.string(),
  versionIndex: z.number().int().min(0),
  aliases: z.array(z.string()),
  source: JobSource,
  /** Digest of the source definition; an identical new version is not created twice. */
  digest: z.string(),
  description: z.string().nullable(),
  createdAt: Timestamp,
  /** `entity/project/name:vN` */
  ref: z.string(),
});
export type JobVersion = z.infer<typeof JobVersion>;

export const CreateJobRequest = z.object({
  entity: Name.optional(),
  project: Name,
  name: Name,
  source: JobSource,
  aliases: z.array(Name).optional(),
  description: z.string().optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const CreateJobResponse = z.object({
  /** `created`: a new job; `updated`: a new version; `unchanged`: same digest as an existing version. */
  action: z.enum(['created', 'updated', 'unchanged']),
  job: JobVersion,
});
export type CreateJobResponse = z.infer<typeof CreateJobResponse>;

export const JobSummary = z.object({
  entity: z.string(),
  project: z.string(),
  name: z.string(),
  versions: z.number().int(),
  latest: JobVersion,
  aliases: z.record(z.string(), z.string()),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const UploadBlobResponse = z.object({ digest: z.string(), size: z.number().int() });
