/**
 * @module What a launch may ask of the container engine (`resource_args["local-container"]`), pure:
 * W&B's allow-list (its agent's `_assert_secure`): a key is normalised as W&B does (leading `-`
 * dropped, `_` → `-`, lower case; `e`, `m`, `w` are `env`, `memory`, `workdir`) and becomes the
 * `docker run` flag of that name. Each value is checked here — at enqueue by the server, and again by
 * the agent before it reaches the engine's command line — and rendered as one `--flag=value`
 * argument, so no value can become another flag. `env` values go into the engine's environment,
 * never onto its command line. Mounts, privileges, networks and names are refused: a run sees only
 * what it needs (docs/security.md).
 */
import type { JsonObject } from '@tminus/sdk/protocol';

type ValueCheck = (value: string) => string | undefined;

const matches =
  (regex: RegExp, what: string): ValueCheck =>
  (value) =>
    regex.test(value) ? undefined : `must be ${what}`;

const SIZE = /^\d{1,12}(\.\d{1,6})?[bkmgBKMG]?$/;
const INT = /^-?\d{1,12}$/;

/** The flags a launch may set, in the order they go on the command line, with what each takes. */
const FLAGS = {
  cpus: matches(/^\d{1,4}(\.\d{1,6})?$/, 'a number of CPUs (e.g. 2 or 1.5)'),
  'cpu-period': matches(INT, 'a whole number of microseconds'),
  'cpu-quota': matches(INT, 'a whole number of microseconds'),
  'cpu-shares': matches(INT, 'a whole number (relative weight)'),
  'cpuset-cpus': matches(/^\d{1,4}([,-]\d{1,4}){0,63}$/, 'CPUs as "0-3" or "0,2"'),
  'cpuset-mems': matches(/^\d{1,4}([,-]\d{1,4}){0,63}$/, 'memory nodes as "0-1" or "0,1"'),
  gpus: matches(
    /^(all|\d{1,4}|"?[a-z]+=[A-Za-z0-9,:._-]+"?(,"?[a-z]+=[A-Za-z0-9,:._-]+"?){0,7})$/,
    'GPUs as docker takes them: all, a count (2), or "device=0,1"',
  ),
  memory: matches(SIZE, 'memory with an optional unit b, k, m or g (e.g. "4g")'),
  'memory-reservation': matches(SIZE, 'memory with an optional unit (e.g. "2g")'),
  'memory-swap': matches(/^(-1|\d{1,12}(\.\d{1,6})?[bkmgBKMG]?)$/, 'memory (e.g. "8g"), or -1'),
  'shm-size': matches(SIZE, 'a size with an optional unit (e.g. "1g")'),
  'pids-limit': matches(INT, 'a whole number of processes (-1: unlimited)'),
  platform: matches(/^[a-z0-9]{1,16}\/[a-z0-9]{1,16}(\/[a-z0-9]{1,16})?$/, 'os/arch (linux/amd64)'),
  ulimit: matches(/^[a-z]{1,16}=-?\d{1,19}(:-?\d{1,19})?$/, 'name=soft[:hard] (nofile=1024:2048)'),
  workdir: (value) =>
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    value.startsWith('/') && !/[\u0000-\u001f\u007f]/.test(value)
      ? undefined
      : 'must be an absolute path in the container',
  env: (value) => envProblem(value),
} satisfies Record<string, ValueCheck>;

export type ContainerFlag = keyof typeof FLAGS;
export const CONTAINER_FLAGS = Object.keys(FLAGS) as ContainerFlag[];

/** Flags that take a list (each element one flag). */
const LISTS: readonly ContainerFlag[] = ['env', 'ulimit'];
const SHORT: Readonly<Record<string, ContainerFlag>> = { e: 'env', m: 'memory', w: 'workdir' };

/** Keys said plainly, with what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  name: 'tminus names each container itself (tminus-<run id>-<attempt>), to find it again',
  command: "set the job's entry point (-E/--entry-point) or its args instead",
  entrypoint: 'set the job’s entry point (-E/--entry-point) instead',
  volume: 'a run sees only its own source and config file; bake data into the image, or fetch it',
  v: 'a run sees only its own source and config file; bake data into the image, or fetch it',
  mount: 'a run sees only its own source and config file; bake data into the image, or fetch it',
  network: 'containers run on the host network, so that the program reaches the tminus server',
  net: 'containers run on the host network, so that the program reaches the tminus server',
  privileged: 'a run gets no privileges beyond its own container',
  'cap-add': 'a run gets no privileges beyond its own container',
  device: 'a run gets no devices beyond its GPUs (use gpus)',
  user: 'the agent chooses the user (--run-as), not the launch',
  rm: 'tminus removes each container itself once its output is read',
  cpu: 'docker has no --cpu; did you mean cpus?',
};

/**
 * Variables the engine's own command reads: a run may not set them, since the agent's `docker run`
 * carries the run's variables in its environment (values never go on the command line).
 */
const ENGINE_VARIABLES =
  /^(PATH|HOME|TMPDIR|DOCKER_.*|CONTAINERS_.*|CONTAINER_.*|PODMAN_.*|BUILDAH_.*|REGISTRY_AUTH_FILE|XDG_.*|LD_.*|SSL_.*|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy)$/;

function envProblem(value: string): string | undefined {
  const eq = value.indexOf('=');
  const name = eq === -1 ? value : value.slice(0, eq);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(name))
    return `must be NAME=value (a variable name of letters, digits and "_"); got ${JSON.stringify(value)}`;
  if (eq === -1)
    return `must be NAME=value; "${name}" alone would hand the agent's own ${name} to the run`;
  if (ENGINE_VARIABLES.test(name))
    return `may not set ${name}: the agent's container engine command reads it`;
  return undefined;
}

/** W&B's normalisation of a key: `--shm_size` → `shm-size`, `-e` → `env`. */
export function normaliseFlag(key: string): string {
  const name = key.replace(/^-+/, '').replace(/_/g, '-').toLowerCase();
  return SHORT[name] ?? name;
}

function valuesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' && Number.isFinite(value)) return [String(value)];
  if (Array.isArray(value) && value.length > 0)
    return value.every((v) => typeof v === 'string' || typeof v === 'number')
      ? value.map(String)
      : undefined;
  return undefined;
}

/** Why `args` cannot go to the container engine, naming the key; undefined when they all can. */
export function localContainerArgsProblem(args: JsonObject): string | undefined {
  for (const [key, value] of Object.entries(args)) {
    const at = `resource_args["local-container"].${key}`;
    const flag = normaliseFlag(key);
    const refused = REFUSED[flag];
    if (refused !== undefined) return `${at} is refused: ${refused}`;
    const check = (FLAGS as Record<string, ValueCheck>)[flag];
    if (check === undefined)
      return `${at} is not an option tminus passes to the container engine; it accepts ${CONTAINER_FLAGS.join(', ')} (W&B's names; e, m, w and _ for - too)`;
    const values = valuesOf(value);
    if (values === undefined || (values.length > 1 && !LISTS.includes(flag as ContainerFlag)))
      return `${at} must be ${LISTS.includes(flag as ContainerFlag) ? 'a string or a non-empty list of strings' : 'a string or a number'}; got ${JSON.stringify(value)}`;
    for (const v of values) {
      const problem = check(v);
      if (problem !== undefined) return `${at} ${problem}; got ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

export interface ContainerArgs {
  /** `--flag=value` arguments, one per value, in `CONTAINER_FLAGS` order. */
  readonly flags: string[];
  /** The `env` entries, for the container's environment (never on a command line). */
  readonly env: Record<string, string>;
}

/** The engine arguments for accepted `args` (check them with `localContainerArgsProblem` first). */
export function localContainerArgs(args: JsonObject): ContainerArgs {
  const byFlag = new Map<string, string[]>();
  for (const [key, value] of Object.entries(args)) {
    const flag = normaliseFlag(key);
    byFlag.set(flag, [...(byFlag.get(flag) ?? []), ...(valuesOf(value) ?? [])]);
  }
  const flags: string[] = [];
  const env: Record<string, string> = {};
  for (const flag of CONTAINER_FLAGS) {
    for (const value of byFlag.get(flag) ?? []) {
      if (flag === 'env') {
        const eq = value.indexOf('=');
        env[value.slice(0, eq)] = value.slice(eq + 1);
      } else flags.push(`--${flag}=${value}`);
    }
  }
  return { flags, env };
}
