/**
 * @module What a run executes, and its source put on disk: the steps before a runner takes over that
 * can fail for a reason the user must fix (nothing to run, a bad remote or ref). Each throws a
 * `PrepareError` whose message says what to change; the run then fails at stage `agent`.
 */
import type { JobVersion, LaunchSpec } from '@tminus/sdk/protocol';

import { type BlobDownloader, prepareCodeSnapshot } from './source/code-snapshot.js';
import { prepareGitSource } from './source/git-cache.js';
import type { LocalRepoDirs } from './source/local-repo.js';
import { PrepareError } from '../runners/prepare-error.js';

/** What a run executes: its job (with a source on disk, or an image), or a bare image (`docker_image`). */
export interface Runnable {
  readonly job: JobVersion | null;
  /** The image to run in: a `docker_image` launch, or an image job's. */
  readonly image: string | undefined;
  /** Whether the job has a source to put on disk (git and code jobs). */
  readonly hasSource: boolean;
}

/** Throws unless the run names something to execute. */
export function checkRunnable(spec: LaunchSpec, job: JobVersion | null): Runnable {
  const image =
    spec.docker?.docker_image ?? (job?.source.type === 'image' ? job.source.image : undefined);
  if (job === null && image === undefined)
    throw new PrepareError(
      'The run names no job to execute (give a job, a git uri or a docker image)',
      'no_job',
    );
  return { job, image, hasSource: job !== null && job.source.type !== 'image' };
}

export interface SourceInput {
  readonly job: JobVersion;
  readonly spec: LaunchSpec;
  readonly cacheDir: string;
  readonly download: BlobDownloader;
  /** Where local git repositories may be cloned from. */
  readonly localRepos: LocalRepoDirs;
  /** The source will be handed to another Unix user (`--run-as`): it must share nothing with the cache. */
  readonly forAnotherUser: boolean;
}

/** Puts the job's source into `dir`; returns the commit for a git source. */
export async function prepareSource(input: SourceInput, dir: string): Promise<{ commit?: string }> {
  const { source } = input.job;
  switch (source.type) {
    case 'git': {
      const { commit } = await prepareGitSource(
        source,
        input.spec.git?.version,
        input.cacheDir,
        dir,
        { localRepos: input.localRepos, borrowObjects: !input.forAnotherUser },
      );
      return { commit };
    }
    case 'code':
      await prepareCodeSnapshot(source, input.download, input.cacheDir, dir);
      return {};
    case 'image':
      // Nothing to put on disk: the image holds the program.
      return {};
  }
}

/** How a message names the source: `entity/project/job:v3 at 1a2b3c4`. */
export function describeSource(job: JobVersion | null, commit: string | undefined): string {
  const ref = job?.ref ?? 'no job';
  return commit === undefined ? ref : `${ref} at ${commit.slice(0, 7)}`;
}
