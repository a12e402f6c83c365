/**
 * @module The container engine (docker or podman CLI) that the container runner and the image
 * builder stand on. See docs/decisions/0021-container-engine-through-its-cli.md.
 */
export type { BuildOptions, Command, Labels, LogsOptions, Mount, RunOptions } from './argv.js';
export { detectEngine, type DetectOptions, EngineKindSchema } from './detect.js';
export { ContainerEngine, type EngineKind, type OnLine, TAIL_LINES } from './engine.js';
export { ContainerEngineError, isNoSuchObject } from './errors.js';
export type { ExecOptions, Streaming } from './exec.js';
export type { ContainerState, ContainerStatus, ImageInfo } from './inspect.js';
export {
  envNameProblem,
  type ImageRef,
  imageRefProblem,
  labelKeyProblem,
  labelValueProblem,
  parseImageRef,
  type Problem,
  repositoryProblem,
} from './names.js';
