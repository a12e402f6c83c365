/**
 * @module Builds the launch spec from `launchAdd`/`launch` options exactly as W&B's
 * `construct_launch_spec` does (explicit argument > `config` > derived; empty strings kept as given),
 * and validates it. A differential test holds it to W&B's own function case by case
 * (test/parity/launch-spec.differential.test.ts); the few deliberate differences are the README's
 * "Differences from W&B Launch", each with its decision. Pure: no I/O.
 */
import { invalidArgument, LaunchError } from './errors.js';
import type { JsonObject } from './protocol/common.js';
import { JOB_REF_FORM, parseJobRef } from './protocol/job-ref.js';
import type { LaunchSpec } from './protocol/launch-spec.js';

/** The options `launchAdd` and `launch` share (W&B's parameters in camelCase). */
export interface SpecOptions {
  /** A git repository URL or local repository path; becomes a job version (entry point default `main.py`). */
  readonly uri?: string;
  /** `entity/project/name:alias-or-version`. */
  readonly job?: string;
  /** The base launch spec (W&B keys); the run config goes under `overrides.run_config`. */
  readonly config?: Readonly<JsonObject>;
  readonly project?: string;
  readonly entity?: string;
  readonly resource?: string;
  readonly entryPoint?: readonly string[];
  readonly name?: string;
  /** Git commit, branch or tag for git sources. */
  readonly version?: string;
  readonly dockerImage?: string;
  readonly resourceArgs?: Readonly<JsonObject>;
  readonly runId?: string;
  /** Registry to push a built image to; recorded as `registry.url`. */
  readonly repository?: string;
  readonly sweepId?: string;
  readonly author?: string;
  /** The seeds' example passes `parameters=`: run-config overrides, merged over `config.overrides.run_config`. */
  readonly parameters?: Readonly<JsonObject>;
}

/** The keys of `SpecOptions`, for the check of unknown option keys (option-keys.ts). */
export const SPEC_OPTION_KEYS = [
  'uri',
  'job',
  'config',
  'project',
  'entity',
  'resource',
  'entryPoint',
  'name',
  'version',
  'dockerImage',
  'resourceArgs',
  'runId',
  'repository',
  'sweepId',
  'author',
  'parameters',
] as const satisfies readonly (keyof SpecOptions)[];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's truthiness, which W&B's "if value:" tests use: "", [], {} and null are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return value !== undefined && value !== null && value !== '' && value !== 0 && value !== false;
}

function objectAt(spec: JsonObject, key: string): JsonObject {
  const value = spec[key];
  if (value === undefined) return (spec[key] = {});
  if (!isObject(value))
    throw invalidArgument(`config.${key} must be an object`, undefined, { key });
  return value;
}

/** W&B's derived project: `b` for a job `a/b/c[:alias]`; for a `uri`, the repository's base name. */
function derivedProject(options: SpecOptions): string | undefined {
  if (options.uri !== undefined) {
    const base = options.uri.replace(/\/+$/, '').split(/[/:]/).pop();
    return base?.replace(/\.git$/, '') || undefined;
  }
  const parts = options.job?.split('/');
  return parts?.length === 3 ? parts[1] : undefined;
}

export function buildLaunchSpec(options: SpecOptions): LaunchSpec {
  if (options.config !== undefined && !isObject(options.config)) {
    throw invalidArgument('config must be an object (the base launch spec)');
  }
  const spec: JsonObject = options.config === undefined ? {} : structuredClone(options.config);
  if (options.uri !== undefined) spec.uri = options.uri;
  if (options.job !== undefined) spec.job = options.job;
  // An explicit argument wins even when empty; the config's value only when truthy.
  spec.project =
    options.project ?? (truthy(spec.project) ? spec.project : (derivedProject(options) ?? ''));
  const entity = options.entity ?? (truthy(spec.entity) ? (spec.entity as string) : undefined);
  // W&B writes the caller's default entity here; the server does that (decision 0024).
  if (entity === undefined) delete spec.entity;
  else spec.entity = entity;
  if (truthy(options.author)) spec.author = options.author;
  if (truthy(options.name)) spec.name = options.name;
  const docker = objectAt(spec, 'docker');
  if (truthy(options.dockerImage)) docker.docker_image = options.dockerImage;
  if (truthy(options.sweepId)) spec.sweep_id = options.sweepId;
  // W&B: the config's resource wins over the argument, even a null one.
  if (!('resource' in spec)) spec.resource = truthy(options.resource) ? options.resource : null;
  const git = objectAt(spec, 'git');
  if (truthy(options.version)) git.version = options.version;
  const overrides = objectAt(spec, 'overrides');
  const args = overrides.args;
  if (args !== undefined && !Array.isArray(args)) {
    throw invalidArgument(
      'override args must be a list of strings',
      'Pass config.overrides.args as an array, e.g. ["--epochs", "5"].',
    );
  }
  if (options.parameters !== undefined) {
    const runConfig = overrides.run_config;
    overrides.run_config = { ...(isObject(runConfig) ? runConfig : {}), ...options.parameters };
  }
  if (truthy(options.resourceArgs))
    spec.resource_args = structuredClone({ ...options.resourceArgs });
  if (truthy(options.entryPoint)) overrides.entry_point = [...(options.entryPoint ?? [])];
  if (options.runId !== undefined) spec.run_id = options.runId;
  // W&B drops `repository` when there is no config (it writes into a throw-away dict); decision 0026.
  if (truthy(options.repository)) {
    const registry = spec.registry;
    if (truthy(registry) && isObject(registry)) registry.url = options.repository;
    else spec.registry = { url: options.repository };
  }
  // W&B: "Launch spec contains both resource_args and template_variables, only one can be set."
  if (truthy(spec.resource_args) && truthy(spec.template_variables)) delete spec.resource_args;
  // W&B's own checks first, so that its errors come out as W&B's; then tminus's stricter ones.
  validateSource(spec);
  checkStrings(overrides);
  return spec;
}

/** Entry point and override args reach a command line: strings only (decision 0027). */
function checkStrings(overrides: JsonObject): void {
  for (const key of ['args', 'entry_point'] as const) {
    const list = overrides[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string')) {
      const what = key === 'args' ? 'override args' : 'entry point';
      throw invalidArgument(
        `${what} must be a list of strings`,
        `Quote every item, e.g. ${key === 'args' ? '["--lr", "0.1"]' : '["python3", "train.py"]'}.`,
      );
    }
  }
}

const SOURCE_HINT =
  'Pass job: "<entity>/<project>/<name>:latest" or dockerImage (or uri: "<git repository>", which tminus turns into a job).';

/**
 * W&B's `validate_launch_spec_source` (which `launch_add` and `launch` run after building the spec):
 * exactly one of a job and a docker image — and, in tminus, a `uri` counts as a source too (decision
 * 0001). A job reference must be well-formed (decision 0027).
 */
function validateSource(spec: LaunchSpec): void {
  const sources = [truthy(spec.job), truthy(spec.uri), truthy(spec.docker?.docker_image)].filter(
    Boolean,
  ).length;
  if (sources !== 1) {
    throw invalidArgument(
      truthy(spec.uri)
        ? 'Exactly one of uri, job or docker_image must be specified in the launch spec.'
        : 'Exactly one of job or docker_image must be specified in the launch spec.',
      SOURCE_HINT,
    );
  }
  if (typeof spec.job === 'string' && spec.job !== '') {
    // The form only: a two-part `project/name` takes the caller's entity on the server.
    const parsed = parseJobRef(spec.job, { entity: 'caller' });
    if (!parsed.ok) {
      throw new LaunchError('INVALID_ARGUMENT', parsed.message, {
        hint: `Use ${JOB_REF_FORM}, e.g. alice/mnist/train:latest or alice/mnist/train:v2.`,
      });
    }
  }
}
