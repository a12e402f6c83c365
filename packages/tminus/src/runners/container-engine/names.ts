/**
 * @module What may reach a container engine's command line (pure): image references as Docker's
 * distribution/reference grammar defines them, repositories (a reference without tag or digest),
 * label keys and values, environment variable names, container names and ids, networks, paths.
 * Every check returns the problem as a sentence, or undefined; `assertValid` turns it into a
 * LaunchError. None of these can start with "-", so no value can be read as a flag.
 */
import { LaunchError } from '@tminus/sdk';

/** One problem with a value, as a sentence that names the value; undefined when it is fine. */
export type Problem = string | undefined;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]{1,5})?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const NAME_MAX = 255;

export interface ImageRef {
  /** Registry host[:port], when the reference names one. */
  readonly domain?: string;
  /** The repository path inside the registry, e.g. `library/python`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The first component is a registry when it has a dot or a port, or is `localhost` (Docker's rule). */
function splitDomain(name: string): { domain?: string; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { path: name };
  const first = name.slice(0, slash);
  if (
    first.includes('.') ||
    first.includes(':') ||
    first === 'localhost' ||
    first !== first.toLowerCase()
  )
    return { domain: first, path: name.slice(slash + 1) };
  return { path: name };
}

/** Parses an image reference; undefined when it is not one. */
export function parseImageRef(ref: string): ImageRef | undefined {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  if (rest.length === 0 || rest.length > NAME_MAX) return undefined;
  const { domain, path } = splitDomain(rest);
  if (domain !== undefined && !DOMAIN_RE.test(domain)) return undefined;
  if (!PATH_RE.test(path)) return undefined;
  return {
    ...(domain === undefined ? {} : { domain }),
    path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

export function imageRefProblem(ref: string): Problem {
  if (parseImageRef(ref) !== undefined) return undefined;
  return `${quoted(ref)} is not an image reference (like python:3.11-slim or registry.example.com:5000/team/image:tag)`;
}

const IMAGE_ID_RE = /^(?:sha256:)?[0-9a-f]{12,64}$/;

/** What `image rm` and `image inspect` take: a reference or an image id (`sha256:…`, hex). */
export function imageRefOrIdProblem(ref: string): Problem {
  return IMAGE_ID_RE.test(ref) ? undefined : imageRefProblem(ref);
}

/** A repository: where images are pushed, without a tag or digest (the builder adds the tag). */
export function repositoryProblem(repository: string): Problem {
  const ref = parseImageRef(repository);
  if (ref === undefined)
    return `${quoted(repository)} is not an image repository (like registry.example.com:5000/team/jobs)`;
  if (ref.tag !== undefined || ref.digest !== undefined)
    return `repository ${quoted(repository)} may not include a tag or digest: each image is tagged with a hash of its source and Dockerfile`;
  return undefined;
}

const LABEL_KEY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const LABEL_VALUE_MAX = 4096;

export function labelKeyProblem(key: string): Problem {
  if (LABEL_KEY_RE.test(key)) return undefined;
  return `${quoted(key)} is not a label key (letters, digits, ".", "_", "-", "/"; at most 128 characters)`;
}

export function labelValueProblem(value: string): Problem {
  if (value.length > LABEL_VALUE_MAX)
    return `a label value is longer than ${LABEL_VALUE_MAX} characters`;
  if (CONTROL_RE.test(value)) return `label value ${quoted(value)} contains a control character`;
  return undefined;
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function envNameProblem(name: string): Problem {
  if (ENV_NAME_RE.test(name)) return undefined;
  return `${quoted(name)} is not an environment variable name (letters, digits and "_", not starting with a digit)`;
}

/** Container names and ids, network names: Docker's `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
const OBJECT_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

export function objectNameProblem(kind: 'container' | 'network', name: string): Problem {
  if (OBJECT_NAME_RE.test(name)) return undefined;
  return `${quoted(name)} is not a ${kind} name or id (letters, digits, "_", ".", "-")`;
}

/** Paths on the engine's host: absolute, without control characters; mounts also without "," and ":". */
export function hostPathProblem(path: string, usage: 'file' | 'mount'): Problem {
  if (!path.startsWith('/')) return `${quoted(path)} is not an absolute path`;
  if (CONTROL_RE.test(path)) return `path ${quoted(path)} contains a control character`;
  if (usage === 'mount' && /[,:]/.test(path))
    return `path ${quoted(path)} contains "," or ":", which a mount cannot carry`;
  return undefined;
}

/** `docker logs --since`: Unix seconds or an RFC 3339 time. */
const SINCE_RE =
  /^(?:\d+(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))$/;

export function sinceProblem(since: string): Problem {
  if (SINCE_RE.test(since)) return undefined;
  return `${quoted(since)} is not a time for logs --since (Unix seconds or an RFC 3339 time)`;
}

/** A user for `--user`: a name or uid, optionally `:group` or `:gid`. */
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$|^\d{1,10}$/;

export function userProblem(user: string): Problem {
  const [name = '', group, ...more] = user.split(':');
  if (more.length === 0 && USER_RE.test(name) && (group === undefined || USER_RE.test(group)))
    return undefined;
  return `${quoted(user)} is not a user (a name or uid, optionally ":group" or ":gid")`;
}

/** Throws INVALID_ARGUMENT with every problem found; returns nothing when there is none. */
export function assertValid(problems: readonly Problem[]): void {
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new LaunchError('INVALID_ARGUMENT', found.join('; '));
}
