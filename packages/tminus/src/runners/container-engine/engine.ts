/**
 * @module One container engine (docker or podman) through its CLI: images (exists, inspect, pull,
 * push, tag, build, remove, list by label) and containers (run detached, logs, wait, inspect,
 * stop, remove, list by label). Command lines come from argv.ts, output is read by inspect.ts;
 * this file only runs them. A failed command throws a ContainerEngineError with what it said;
 * "no such container/image" is an answer (undefined, false), not a failure.
 */
import type { LogStream } from '@tminus/sdk/protocol';

import {
  type BuildOptions,
  buildCommand,
  type Command,
  imageCommand,
  inspectContainersCommand,
  type Labels,
  listContainersCommand,
  listImagesCommand,
  type LogsOptions,
  logsCommand,
  removeContainerCommand,
  removeImageCommand,
  type RunOptions,
  runCommand,
  stopCommand,
  tagCommand,
  waitCommand,
} from './argv.js';
import { ContainerEngineError, isNoSuchObject } from './errors.js';
import {
  capture,
  type Captured,
  type EngineProgram,
  type ExecOptions,
  stream,
  type Streaming,
} from './exec.js';
import {
  type ContainerState,
  containerState,
  exitCodeOf,
  idsOf,
  type ImageInfo,
  imageInfo,
  inspectArray,
} from './inspect.js';

export type EngineKind = 'docker' | 'podman';

/** How many of a streamed command's last lines a failure reports. */
export const TAIL_LINES = 30;

export type OnLine = (line: string) => void;

export class ContainerEngine implements EngineProgram {
  readonly program: string;

  constructor(
    readonly kind: EngineKind,
    /** The environment every command runs in (DOCKER_HOST, CONTAINERS_CONF, PATH…). */
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.program = kind;
  }

  // ---- images -------------------------------------------------------------------------------

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const r = await this.#capture(imageCommand('inspect', ref));
    if (r.exitCode !== 0) {
      if (isNoSuchObject(r.stderr)) return undefined;
      throw this.#failed(imageCommand('inspect', ref), r);
    }
    const [first] = inspectArray(r.stdout);
    return first === undefined ? undefined : imageInfo(first);
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  /** Pulls `ref`; throws (NOT_FOUND when the registry has no such image) with the engine's words. */
  async pull(ref: string, onLine?: OnLine, options: ExecOptions = {}): Promise<void> {
    await this.#streamed(imageCommand('pull', ref), onLine, options, (tail) =>
      /manifest unknown|not found|does not exist/i.test(tail) ? 'NOT_FOUND' : 'UNAVAILABLE',
    );
  }

  async push(ref: string, onLine?: OnLine, options: ExecOptions = {}): Promise<void> {
    await this.#streamed(imageCommand('push', ref), onLine, options);
  }

  async tag(source: string, target: string): Promise<void> {
    await this.#ok(tagCommand(source, target));
  }

  /** Builds an image, handing over each line of output; a failure's message ends with the last lines. */
  async build(options: BuildOptions, onLine?: OnLine, exec: ExecOptions = {}): Promise<void> {
    await this.#streamed(buildCommand(options), onLine, exec, () => 'RUN_FAILED');
  }

  /** Removes an image (a tag, or an id with `force`); false when there was no such image. */
  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<boolean> {
    const command = removeImageCommand(ref, options.force === true);
    const r = await this.#capture(command);
    if (r.exitCode === 0) return true;
    if (isNoSuchObject(r.stderr)) return false;
    throw this.#failed(command, r);
  }

  /** Ids of the images that carry all of these labels. */
  async listImages(labels: Labels): Promise<string[]> {
    return idsOf(await this.#ok(listImagesCommand(labels)));
  }

  // ---- containers ---------------------------------------------------------------------------

  /** Starts a container in the background; resolves with its id. */
  async run(options: RunOptions): Promise<string> {
    const id = (await this.#ok(runCommand(options))).trim().split('\n').pop() ?? '';
    if (id === '')
      throw new ContainerEngineError([this.program, 'run'], 0, 'printed no container id');
    return id;
  }

  /**
   * Streams a container's output, each line with the stream it was written to. With `follow` it
   * goes on until the container exits or `stop()` is called.
   */
  logs(
    id: string,
    onLine: (stream: LogStream, line: string) => void,
    options: LogsOptions & ExecOptions = {},
  ): Promise<Streaming> {
    return stream(this, logsCommand(id, options), onLine, options);
  }

  /** Waits for the container to exit; resolves with its exit code. */
  async wait(id: string, options: ExecOptions = {}): Promise<number> {
    return exitCodeOf(await this.#ok(waitCommand(id), options));
  }

  /** The container's state, or undefined when there is no such container. */
  async inspect(id: string): Promise<ContainerState | undefined> {
    const command = inspectContainersCommand([id]);
    const r = await this.#capture(command);
    const [first] = inspectArray(r.stdout);
    if (first !== undefined) return containerState(first);
    if (isNoSuchObject(r.stderr)) return undefined;
    throw this.#failed(command, r);
  }

  /** SIGTERM, then SIGKILL after `timeoutSeconds`; nothing when the container is gone already. */
  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.#okUnlessMissing(stopCommand(id, timeoutSeconds));
  }

  /** Removes the container (and its anonymous volumes); nothing when it is gone already. */
  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#okUnlessMissing(removeContainerCommand(id, options.force === true));
  }

  /** The containers, running or not, that carry all of these labels. */
  async list(labels: Labels): Promise<ContainerState[]> {
    const ids = idsOf(await this.#ok(listContainersCommand(labels)));
    if (ids.length === 0) return [];
    // A container removed between the two commands is left out (inspect prints the others).
    const r = await this.#capture(inspectContainersCommand(ids));
    return inspectArray(r.stdout).map(containerState);
  }

  // ---- running commands ---------------------------------------------------------------------

  #capture(command: Command, options: ExecOptions = {}): Promise<Captured> {
    return capture(this, command, options);
  }

  #failed(
    command: Command,
    r: Captured,
    code?: ContainerEngineError['code'],
  ): ContainerEngineError {
    return new ContainerEngineError([this.program, ...command.args], r.exitCode, r.stderr, code);
  }

  async #ok(command: Command, options: ExecOptions = {}): Promise<string> {
    const r = await this.#capture(command, options);
    if (r.exitCode !== 0) throw this.#failed(command, r);
    return r.stdout;
  }

  async #okUnlessMissing(command: Command): Promise<void> {
    const r = await this.#capture(command);
    if (r.exitCode !== 0 && !isNoSuchObject(r.stderr)) throw this.#failed(command, r);
  }

  /** Runs a long command line by line; on failure throws with its last lines (stdout and stderr). */
  async #streamed(
    command: Command,
    onLine: OnLine | undefined,
    options: ExecOptions,
    codeOf: (tail: string) => ContainerEngineError['code'] = () => 'UNAVAILABLE',
  ): Promise<void> {
    const tail: string[] = [];
    const running = await stream(
      this,
      command,
      (_stream, line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        onLine?.(line);
      },
      options,
    );
    const exitCode = await running.exited;
    if (exitCode === 0) return;
    const text = tail.join('\n');
    throw new ContainerEngineError([this.program, ...command.args], exitCode, text, codeOf(text));
  }
}
