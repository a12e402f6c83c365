/**
 * @module What to build for a git or code job, read from its source on disk: the build context (the
 * source, or a directory in it), and the Dockerfile — W&B's precedence: one the launch or the job
 * names (`overrides.dockerfile`, the job's `dockerfile`), else `Dockerfile.tminus` (or W&B's
 * `Dockerfile.wandb`) at the context's root, else one generated from the base image, the
 * requirements (`requirements.txt`, else pyproject.toml's dependencies) and the entry point.
 * Paths must stay inside the source, symbolic links included.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

import { PrepareError } from '../runners/prepare-error.js';
import { DEFAULT_BASE_IMAGE, renderDockerfile, type Requirements } from './dockerfile.js';
import { pyprojectDependencies } from './requirements.js';

/** The Dockerfiles a job may carry at the root of its build context, in order. */
export const OWN_DOCKERFILES = ['Dockerfile.tminus', 'Dockerfile.wandb'] as const;

export interface BuildSource {
  /** The job's source on disk. */
  readonly dir: string;
  /** A directory inside the source to build from (the job's build context); the whole source by default. */
  readonly buildContext?: string | undefined;
  /** A Dockerfile inside the source, relative to the build context (`overrides.dockerfile`, the job's). */
  readonly dockerfile?: string | undefined;
}

export interface BuildPlan {
  /** The build context, absolute. */
  readonly context: string;
  /** The context's path inside the source (`.` for the whole), for the image tag. */
  readonly contextPath: string;
  readonly dockerfileText: string;
  /** The job's own Dockerfile, absolute; undefined when tminus generated one. */
  readonly dockerfilePath: string | undefined;
  /** The base image tminus chose (generated Dockerfiles only). */
  readonly baseImage: string | undefined;
  /** Where the Dockerfile came from, for the build log. */
  readonly origin: string;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** `path` (relative to `base`) resolved with its links, if it exists inside `root`. */
async function inside(root: string, base: string, path: string): Promise<string | undefined> {
  if (isAbsolute(path)) return undefined;
  const real = await realpath(join(base, path)).catch(() => undefined);
  if (real === undefined) return undefined;
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
    ? real
    : undefined;
}

async function requirementsOf(context: string): Promise<Requirements> {
  if (await isFile(join(context, 'requirements.txt')))
    return { kind: 'file', path: 'requirements.txt' };
  const pyproject = join(context, 'pyproject.toml');
  if (await isFile(pyproject))
    return {
      kind: 'list',
      packages: pyprojectDependencies(await readFile(pyproject, 'utf8'), 'pyproject.toml'),
    };
  return { kind: 'none' };
}

export async function planBuild(
  source: BuildSource,
  entrypoint: readonly string[],
  baseImage: string = DEFAULT_BASE_IMAGE,
): Promise<BuildPlan> {
  const root = await realpath(source.dir);
  const contextPath = source.buildContext ?? '.';
  const context = await inside(root, root, contextPath);
  if (context === undefined || !(await stat(context)).isDirectory())
    throw new PrepareError(
      `Build context does not exist at ${JSON.stringify(contextPath)} in the job's source (a directory inside it)`,
      'build_context_not_found',
      'build',
    );
  const common = { context, contextPath: relative(root, context) || '.' };

  if (source.dockerfile !== undefined) {
    const path = await inside(root, context, source.dockerfile);
    if (path === undefined || !(await isFile(path)))
      throw new PrepareError(
        `Dockerfile does not exist at ${JSON.stringify(source.dockerfile)} in the build context ${JSON.stringify(common.contextPath)}`,
        'dockerfile_not_found',
        'build',
      );
    const text = await readFile(path, 'utf8');
    return {
      ...common,
      dockerfileText: text,
      dockerfilePath: path,
      baseImage: undefined,
      origin: source.dockerfile,
    };
  }
  for (const name of OWN_DOCKERFILES) {
    const path = await inside(root, context, name);
    if (path !== undefined && (await isFile(path))) {
      const text = await readFile(path, 'utf8');
      return {
        ...common,
        dockerfileText: text,
        dockerfilePath: path,
        baseImage: undefined,
        origin: name,
      };
    }
  }
  const requirements = await requirementsOf(context);
  return {
    ...common,
    dockerfileText: renderDockerfile({ baseImage, requirements, entrypoint }),
    dockerfilePath: undefined,
    baseImage,
    origin: `generated from ${baseImage}${requirements.kind === 'file' ? ` and ${requirements.path}` : requirements.kind === 'list' ? ' and pyproject.toml' : ''}`,
  };
}
