/**
 * @module What an image of a git or code job is built from (pure): the job's path and entry point,
 * its source's identity (the commit, or the snapshot's digest), and the launch's build options —
 * `overrides.dockerfile` (`-D`), `registry.url` (`-rg`) and `build` (`-b`: push to it).
 */
import type { JobVersion, LaunchSpec } from '@tminus/sdk/protocol';

import type { BuildInputs } from './runner.js';

export function buildInputs(
  spec: LaunchSpec,
  job: JobVersion | null,
  commit: string | undefined,
): BuildInputs | undefined {
  if (job === null || job.source.type === 'image') return undefined;
  const digest = job.source.type === 'code' ? job.source.digest : commit;
  if (digest === undefined) return undefined;
  const url = spec.registry?.url ?? spec.registry?.uri;
  const repository = typeof url === 'string' && url !== '' ? url : undefined;
  return {
    jobPath: `${job.entity}/${job.project}/${job.name}`,
    digest,
    entrypoint: job.source.entrypoint,
    ...(spec.overrides?.dockerfile ? { dockerfile: spec.overrides.dockerfile } : {}),
    ...(repository === undefined ? {} : { repository }),
    push: spec.build === true,
  };
}
