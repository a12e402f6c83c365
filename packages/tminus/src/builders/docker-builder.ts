/**
 * @module W&B's `docker` builder on a container engine (docker or podman CLI): plan the build from
 * the job's source (build-plan.ts), name the image by its content (image-tag.ts), and build only when
 * that tag is neither on this machine nor in the repository; push after building when asked. The
 * build's output goes line by line to the request's `onLine`; a failed build is a PrepareError at
 * stage `build` whose message ends with the build log's last lines. One build per image at a time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KeyedMutex } from '../lib/keyed-mutex.js';
import {
  type ContainerEngine,
  ContainerEngineError,
  imageRefProblem,
  repositoryProblem,
} from '../runners/container-engine/index.js';
import { PrepareError } from '../runners/prepare-error.js';
import { type BuildPlan, planBuild } from './build-plan.js';
import type { Builder, BuildRequest, BuiltImage } from './builder.js';
import { imageTag, imageUri } from './image-tag.js';

/** What the engine said last, for a failure's message. */
function said(error: unknown): string {
  if (error instanceof ContainerEngineError) return error.stderr.trim();
  return error instanceof Error ? error.message : String(error);
}

function checkRequest(request: BuildRequest): void {
  const problem =
    (request.repository === undefined ? undefined : repositoryProblem(request.repository)) ??
    (request.baseImage === undefined ? undefined : imageRefProblem(request.baseImage));
  if (problem !== undefined) throw new PrepareError(problem, 'bad_builder_config', 'build');
  if (request.push === true && request.repository === undefined)
    throw new PrepareError(
      'Pushing a built image needs a repository (--repository or builder.destination)',
      'bad_builder_config',
      'build',
    );
}

export class DockerBuilder implements Builder {
  readonly type = 'docker';
  readonly #oneBuildPerImage = new KeyedMutex();

  constructor(readonly engine: ContainerEngine) {}

  async build(request: BuildRequest): Promise<BuiltImage> {
    checkRequest(request);
    const plan = await planBuild(request.source, request.entrypoint, request.baseImage);
    const tag = imageTag({
      sourceDigest: request.source.digest,
      context: plan.contextPath,
      dockerfile: plan.dockerfileText,
      baseImage: plan.baseImage,
    });
    const image = imageUri(request.jobPath, tag, request.repository);
    return this.#oneBuildPerImage.run(image, () => this.#buildOnce(request, plan, image));
  }

  async #buildOnce(request: BuildRequest, plan: BuildPlan, image: string): Promise<BuiltImage> {
    const note = (text: string) => request.onLine(`tminus: ${text}`);
    const push = request.push === true;
    if (await this.engine.imageExists(image)) {
      note(`image ${image} exists on this machine; nothing to build`);
      if (push) await this.#push(request, image);
      return { image, built: false, pushed: push, foundIn: 'local' };
    }
    if (request.repository !== undefined) {
      try {
        await this.engine.pull(image, request.onLine, {
          ...(request.signal && { signal: request.signal }),
        });
        note(`image ${image} pulled from the repository; nothing to build`);
        return { image, built: false, pushed: false, foundIn: 'registry' };
      } catch (error) {
        note(`${image} is not in the repository (${said(error).split('\n').pop()}); building it`);
      }
    }
    note(`building ${image} (Dockerfile: ${plan.origin}; context: ${plan.contextPath})`);
    await this.#runBuild(request, plan, image);
    if (push) await this.#push(request, image);
    return { image, built: true, pushed: push, foundIn: undefined };
  }

  async #runBuild(request: BuildRequest, plan: BuildPlan, image: string): Promise<void> {
    // A generated Dockerfile lives outside the context: the job's source is never written to.
    const scratch =
      plan.dockerfilePath === undefined
        ? await mkdtemp(join(tmpdir(), 'tminus-build-'))
        : undefined;
    try {
      const dockerfile = plan.dockerfilePath ?? join(scratch!, 'Dockerfile');
      if (scratch !== undefined) await writeFile(dockerfile, plan.dockerfileText);
      await this.engine.build(
        {
          context: plan.context,
          dockerfile,
          tag: image,
          labels: {
            'tminus.job': request.jobPath,
            'tminus.source': request.source.digest,
            ...request.labels,
          },
          ...(request.network === undefined ? {} : { network: request.network }),
        },
        request.onLine,
        { ...(request.signal && { signal: request.signal }) },
      );
    } catch (error) {
      if (!(error instanceof ContainerEngineError)) throw error;
      const how = error.exitCode === null ? 'was stopped' : `exited with ${error.exitCode}`;
      throw new PrepareError(
        `Building image ${image} failed (${this.engine.kind} build ${how}). Last lines of the build log:\n${said(error)}`,
        'build_failed',
        'build',
      );
    } finally {
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    }
  }

  async #push(request: BuildRequest, image: string): Promise<void> {
    try {
      await this.engine.push(image, request.onLine, {
        ...(request.signal && { signal: request.signal }),
      });
    } catch (error) {
      throw new PrepareError(
        `Pushing image ${image} to ${request.repository} failed: ${said(error)}`,
        'push_failed',
        'build',
      );
    }
  }
}
