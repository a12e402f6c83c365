/**
 * @module The command lines of the docker and podman CLIs (pure). Both take the same flags for
 * everything here. Each renderer validates every value it puts on the line and throws
 * INVALID_ARGUMENT naming the bad one. Environment values never go on the line (where `ps` shows
 * them): `-e NAME` makes the CLI take the value from its own environment, which `env` carries.
 */
import {
  assertValid,
  envNameProblem,
  hostPathProblem,
  imageRefOrIdProblem,
  imageRefProblem,
  labelKeyProblem,
  labelValueProblem,
  objectNameProblem,
  type Problem,
  sinceProblem,
  userProblem,
} from './names.js';

export type Labels = Readonly<Record<string, string>>;

/** Arguments for the CLI, plus the variables its process needs (values of `-e NAME`). */
export interface Command {
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface Mount {
  /** Absolute path on the engine's host. */
  readonly source: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly readOnly?: boolean;
}

export interface RunOptions {
  readonly image: string;
  readonly name?: string;
  readonly labels?: Labels;
  /** Variables set in the container; the values never appear on the command line. */
  readonly env?: Readonly<Record<string, string>>;
  /** Replaces the image's ENTRYPOINT (one program; its arguments go in `command`). */
  readonly entrypoint?: string;
  /** Arguments after the image: the image's CMD replaced, or the entrypoint's arguments. */
  readonly command?: readonly string[];
  readonly workdir?: string;
  /** `name`, `uid`, `uid:gid` … */
  readonly user?: string;
  /** `none`, `host`, or a network name. */
  readonly network?: string;
  readonly mounts?: readonly Mount[];
  /** Run an init process as PID 1 (reaps zombies, forwards signals). */
  readonly init?: boolean;
  /**
   * Flags from the queue's resource args, placed before the image. The caller checks them against
   * its allow-list; here they may only not be empty or carry control characters.
   */
  readonly extraArgs?: readonly string[];
}

export interface BuildOptions {
  /** The build context: an absolute directory. */
  readonly context: string;
  /** The Dockerfile: an absolute path, inside or outside the context. */
  readonly dockerfile: string;
  readonly tag: string;
  readonly labels?: Labels;
  /** The network `RUN` steps get (`none`, `host`); the engine's default when absent. */
  readonly network?: string;
}

export interface LogsOptions {
  readonly follow?: boolean;
  /** Unix seconds or an RFC 3339 time. */
  readonly since?: string;
  /** Only the last N lines. */
  readonly tail?: number;
  /** Prefix each line with the engine's RFC 3339 time. */
  readonly timestamps?: boolean;
}

function labelProblems(labels: Labels | undefined): Problem[] {
  return Object.entries(labels ?? {}).flatMap(([k, v]) => [
    labelKeyProblem(k),
    labelValueProblem(v),
  ]);
}

function labelArgs(labels: Labels | undefined): string[] {
  return Object.entries(labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** `--filter label=k=v` for each label: objects carrying all of them. */
function labelFilters(labels: Labels): string[] {
  assertValid(labelProblems(labels));
  if (Object.keys(labels).length === 0)
    assertValid(['a listing by label needs at least one label (it would list everything)']);
  return Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
}

function nonNegativeInteger(what: string, n: number): Problem {
  return Number.isSafeInteger(n) && n >= 0
    ? undefined
    : `${what} must be a whole number ≥ 0, not ${n}`;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function extraArgProblem(arg: string): Problem {
  if (arg === '') return 'an extra argument is empty';
  if (CONTROL_RE.test(arg))
    return `extra argument ${JSON.stringify(arg)} contains a control character`;
  return undefined;
}

function containerProblem(id: string): Problem {
  return objectNameProblem('container', id);
}

export function runCommand(o: RunOptions): Command {
  const env = o.env ?? {};
  assertValid([
    imageRefProblem(o.image),
    o.name === undefined ? undefined : containerProblem(o.name),
    o.network === undefined ? undefined : objectNameProblem('network', o.network),
    o.workdir === undefined ? undefined : hostPathProblem(o.workdir, 'file'),
    o.user === undefined ? undefined : userProblem(o.user),
    o.entrypoint !== undefined && CONTROL_RE.test(o.entrypoint)
      ? `entrypoint ${JSON.stringify(o.entrypoint)} contains a control character`
      : undefined,
    ...labelProblems(o.labels),
    ...Object.keys(env).map(envNameProblem),
    ...(o.mounts ?? []).flatMap((m) => [
      hostPathProblem(m.source, 'mount'),
      hostPathProblem(m.target, 'mount'),
    ]),
    ...(o.extraArgs ?? []).map(extraArgProblem),
  ]);
  const args = ['run', '--detach'];
  if (o.name !== undefined) args.push('--name', o.name);
  args.push(...labelArgs(o.labels));
  for (const name of Object.keys(env)) args.push('--env', name);
  if (o.init === true) args.push('--init');
  if (o.network !== undefined) args.push('--network', o.network);
  if (o.workdir !== undefined) args.push('--workdir', o.workdir);
  if (o.user !== undefined) args.push('--user', o.user);
  for (const m of o.mounts ?? [])
    args.push('--volume', `${m.source}:${m.target}${m.readOnly === true ? ':ro' : ''}`);
  // An entrypoint that is an empty string resets the image's: Docker's own meaning of "".
  if (o.entrypoint !== undefined) args.push('--entrypoint', o.entrypoint);
  args.push(...(o.extraArgs ?? []), o.image, ...(o.command ?? []));
  return { args, env };
}

export function buildCommand(o: BuildOptions): Command {
  assertValid([
    hostPathProblem(o.context, 'file'),
    hostPathProblem(o.dockerfile, 'file'),
    imageRefProblem(o.tag),
    o.network === undefined ? undefined : objectNameProblem('network', o.network),
    ...labelProblems(o.labels),
  ]);
  const args = ['build', '--force-rm', '--file', o.dockerfile, '--tag', o.tag];
  args.push(...labelArgs(o.labels));
  if (o.network !== undefined) args.push('--network', o.network);
  args.push(o.context);
  return { args };
}

/** `image inspect`, `pull`, `push`: one image reference (inspect also takes an image id). */
export function imageCommand(verb: 'inspect' | 'pull' | 'push', ref: string): Command {
  assertValid([verb === 'inspect' ? imageRefOrIdProblem(ref) : imageRefProblem(ref)]);
  return { args: verb === 'inspect' ? ['image', 'inspect', ref] : [verb, ref] };
}

/** Removes a tag, or with `force` an image id and all its tags. */
export function removeImageCommand(ref: string, force: boolean): Command {
  assertValid([imageRefOrIdProblem(ref)]);
  return { args: ['image', 'rm', ...(force ? ['--force'] : []), ref] };
}

export function tagCommand(source: string, target: string): Command {
  assertValid([imageRefProblem(source), imageRefProblem(target)]);
  return { args: ['tag', source, target] };
}

/** Full ids of the images carrying all these labels. */
export function listImagesCommand(labels: Labels): Command {
  return { args: ['images', '--quiet', '--no-trunc', ...labelFilters(labels)] };
}

/** Full ids of the containers, running or not, carrying all these labels. */
export function listContainersCommand(labels: Labels): Command {
  return { args: ['ps', '--all', '--quiet', '--no-trunc', ...labelFilters(labels)] };
}

export function inspectContainersCommand(ids: readonly string[]): Command {
  assertValid(ids.map(containerProblem));
  return { args: ['container', 'inspect', ...ids] };
}

export function logsCommand(id: string, o: LogsOptions = {}): Command {
  assertValid([
    containerProblem(id),
    o.since === undefined ? undefined : sinceProblem(o.since),
    o.tail === undefined ? undefined : nonNegativeInteger('tail', o.tail),
  ]);
  const args = ['logs'];
  if (o.follow === true) args.push('--follow');
  if (o.timestamps === true) args.push('--timestamps');
  if (o.since !== undefined) args.push('--since', o.since);
  if (o.tail !== undefined) args.push('--tail', String(o.tail));
  args.push(id);
  return { args };
}

export function waitCommand(id: string): Command {
  assertValid([containerProblem(id)]);
  return { args: ['wait', id] };
}

/** SIGTERM, then SIGKILL after `timeoutSeconds`. */
export function stopCommand(id: string, timeoutSeconds: number): Command {
  assertValid([containerProblem(id), nonNegativeInteger('the stop timeout', timeoutSeconds)]);
  return { args: ['stop', '-t', String(timeoutSeconds), id] };
}

export function removeContainerCommand(id: string, force: boolean): Command {
  assertValid([containerProblem(id)]);
  return { args: ['rm', ...(force ? ['--force'] : []), '--volumes', id] };
}
