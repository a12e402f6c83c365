/**
 * @module Everything before the program starts that can fail for a reason the user must fix: a
 * resource this agent cannot run, an image job, a bad remote or ref, a missing entry point. Each
 * throws a `PrepareError` whose message says what to change; the run then fails at stage `agent`.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import type { JobVersion, LaunchSpec } from '@tminus/sdk/protocol';

import { scriptOf } from '../runners/local-process/spec.js';
import { type BlobDownloader, prepareCodeSnapshot } from './source/code-snapshot.js';
import { prepareGitSource } from './source/git-cache.js';
import type { LocalRepoDirs } from './source/local-repo.js';
import { PrepareError } from './source/prepare-error.js';

export const LOCAL_PROCESS = 'local-process';

/** Throws unless this agent (local-process runner only, for now) can execute the run; returns its job. */
export function checkRunnable(spec: LaunchSpec, job: JobVersion | null): JobVersion {
  const resource = spec.resource ?? LOCAL_PROCESS;
  if (resource !== LOCAL_PROCESS) {
    throw new PrepareError(
      `This agent has only the local-process runner; resource "${resource}" needs a runner that is not available yet (container, kubernetes and slurm runners come later). Launch with resource "local-process" or to a queue served by such a runner`,
      'unsupported_resource',
    );
  }
  if (spec.docker?.docker_image !== undefined || job?.source.type === 'image') {
    const image =
      spec.docker?.docker_image ?? (job?.source.type === 'image' ? job.source.image : '');
    throw new PrepareError(
      `Image jobs (${image}) need a container runner, which is not available yet; this agent runs git and code jobs as local processes`,
      'image_unsupported',
    );
  }
  if (job === null)
    throw new PrepareError(
      'The run names no job to execute (give a job, a git uri or a docker image)',
      'no_job',
    );
  return job;
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
      throw new PrepareError(
        'Image jobs need a container runner, which is not available yet',
        'image_unsupported',
      );
  }
}

/** A script the entry point names relative to the source must exist there (checked before spawning; one stat, synchronously). */
export function checkEntrypoint(argv: readonly string[], dir: string, where: string): void {
  const script = scriptOf(argv);
  if (script === undefined) return;
  try {
    statSync(resolve(dir, script));
  } catch {
    throw new PrepareError(
      `Entrypoint "${script}" not found in the job's source (${where}); set -E/--entry-point or fix the job`,
      'entrypoint_missing',
    );
  }
}

/** How a message names the source: `entity/project/job:v3 at 1a2b3c4`. */
export function describeSource(job: JobVersion | null, commit: string | undefined): string {
  const ref = job?.ref ?? 'no job';
  return commit === undefined ? ref : `${ref} at ${commit.slice(0, 7)}`;
}
