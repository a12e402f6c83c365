/**
 * @module An image's name and tag (pure). The tag is a hash of what the image is made of — the
 * source (a commit or a code snapshot's digest), the build context inside it, the Dockerfile's text
 * and the base image — so the same source built the same way has the same tag, and a build is skipped
 * when that tag exists. The name is the configured repository, else the job's path made Docker-safe
 * as W&B does (`entity/project/name` → `entity__project__name`).
 */
import { createHash } from 'node:crypto';

/** Hex digits of the tag: 64 bits (W&B keeps 32, which collide after ~65 000 images in a repository). */
export const TAG_LENGTH = 16;

export interface TagInput {
  /** `sha256:…` of a code snapshot, or a git commit. */
  readonly sourceDigest: string;
  /** The build context's path inside the source (`.` for the whole source). */
  readonly context: string;
  readonly dockerfile: string;
  /** The base image, when tminus chose it (a user's Dockerfile names its own in its text). */
  readonly baseImage: string | undefined;
}

export function imageTag(input: TagInput): string {
  const hash = createHash('sha256');
  // Version 1 of what goes in; length-prefixed so that no two inputs run together.
  for (const part of [
    'tminus-image-v1',
    input.sourceDigest,
    input.context,
    input.baseImage ?? '',
    input.dockerfile,
  ])
    hash.update(`${part.length}:${part}\n`);
  return hash.digest('hex').slice(0, TAG_LENGTH);
}

/** Longest Docker-safe name kept (the whole reference may have 255 characters). */
const NAME_MAX = 128;

/**
 * A job's path as an image name: lower case, every character outside `[a-z0-9._-]` (the `/` too)
 * becomes `__`, separators Docker does not accept in a row become `__`, none at either end.
 */
export function dockerSafeName(jobPath: string): string {
  const name = jobPath
    .replace(/:[^/]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '__')
    // Docker's separators are ".", "_", "__" or a run of "-"; any other run of them becomes "__".
    .replace(/[._-]{2,}/g, (run) => (/^-+$/.test(run) || run === '__' ? run : '__'))
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, NAME_MAX)
    .replace(/[._-]+$/, '');
  return name === '' ? 'job' : name;
}

/** `<repository>:<tag>` when images go to a repository, else `<job name>:<tag>`. */
export function imageUri(jobPath: string, tag: string, repository: string | undefined): string {
  return `${repository ?? dockerSafeName(jobPath)}:${tag}`;
}
