/**
 * @module The builder seam: what a container runner asks for a git or code job — an image made
 * from the job's source — and the `builder` block of a launch config that chooses how (W&B's `docker`
 * or `noop`). Image jobs need no builder: their image is used as given.
 */
import { LaunchError } from '@tminus/sdk';
import { z } from 'zod';

import type { Labels } from '../runners/container-engine/index.js';
import { imageRefProblem, repositoryProblem } from '../runners/container-engine/index.js';
import type { BuildSource } from './build-plan.js';

export type BuilderType = 'docker' | 'noop';

export interface BuildRequest {
  /** `entity/project/name` of the job: the image's name when there is no repository. */
  readonly jobPath: string;
  /** The job's source on disk, and what identifies it: a commit or a code snapshot's digest. */
  readonly source: BuildSource & { readonly digest: string };
  /** The job's entry point (the generated Dockerfile's ENTRYPOINT). */
  readonly entrypoint: readonly string[];
  /** The generated Dockerfile's base image (`--base-image`, `builder.base_image`); W&B's default otherwise. */
  readonly baseImage?: string | undefined;
  /** Where images go (`--repository`, `builder.destination`): the image is `<repository>:<tag>`. */
  readonly repository?: string | undefined;
  /** Push after building (`build: true` with a repository). */
  readonly push?: boolean;
  /** Extra labels for the image (tminus adds `tminus.job` and `tminus.source`). */
  readonly labels?: Labels;
  /** The network the build's RUN steps get (`host`, `none`); the engine's default otherwise. */
  readonly network?: string;
  /** Each line of the build's output, and tminus's own notes (prefixed `tminus: `). */
  readonly onLine: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface BuiltImage {
  /** The reference to run. */
  readonly image: string;
  /** Whether this call built it; false when the tag existed already. */
  readonly built: boolean;
  readonly pushed: boolean;
  /** Where the existing tag was found, when nothing was built. */
  readonly foundIn: 'local' | 'registry' | undefined;
}

export interface Builder {
  readonly type: BuilderType;
  /** Throws a PrepareError at stage `build` (the message ends with the build log's last lines). */
  build(request: BuildRequest): Promise<BuiltImage>;
}

const problemOf =
  (check: (v: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  };

/** The launch config's `builder` block (W&B's keys). */
export const BuilderConfig = z.strictObject({
  type: z.enum(['docker', 'noop'], {
    error: (issue) =>
      issue.input === 'kaniko'
        ? 'kaniko builds run in a Kubernetes cluster, which tminus does not build in yet; use "docker"'
        : 'must be "docker" or "noop"',
  }),
  /** The generated Dockerfile's base image. */
  base_image: z.string().superRefine(problemOf(imageRefProblem)).optional(),
  /** The repository images are tagged into (and pushed to with `build: true`). */
  destination: z.string().superRefine(problemOf(repositoryProblem)).optional(),
});
export type BuilderConfig = z.infer<typeof BuilderConfig>;

/** Reads a `builder` block; INVALID_ARGUMENT naming the key otherwise. */
export function parseBuilderConfig(raw: unknown, where = 'builder'): BuilderConfig {
  const parsed = BuilderConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = [where, ...(issue?.path ?? []).map(String)].join('.');
  const message =
    issue?.code === 'unrecognized_keys'
      ? `${where}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: type, base_image, destination)`
      : `${key}: ${issue?.message ?? 'is not valid'}`;
  throw new LaunchError('INVALID_ARGUMENT', message);
}
