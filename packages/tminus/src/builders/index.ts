/**
 * @module Image builders (W&B's `docker` and `noop`), beside the runners: used by any runner that
 * runs images. See docs/containers.md.
 */
import type { ContainerEngine } from '../runners/container-engine/index.js';
import type { Builder, BuilderType } from './builder.js';
import { DockerBuilder } from './docker-builder.js';
import { noopBuilder } from './noop-builder.js';

export { OWN_DOCKERFILES, type BuildPlan, planBuild, type BuildSource } from './build-plan.js';
export {
  type Builder,
  BuilderConfig,
  type BuilderType,
  type BuildRequest,
  type BuiltImage,
  parseBuilderConfig,
} from './builder.js';
export { DEFAULT_BASE_IMAGE, IMAGE_USER, IMAGE_WORKDIR, renderDockerfile } from './dockerfile.js';
export { DockerBuilder } from './docker-builder.js';
export { dockerSafeName, imageTag, imageUri } from './image-tag.js';
export { noopBuilder } from './noop-builder.js';

/** The builder a launch config's `builder.type` names, on this engine. */
export function createBuilder(type: BuilderType, engine: ContainerEngine): Builder {
  return type === 'docker' ? new DockerBuilder(engine) : noopBuilder;
}
