/**
 * @module Builds the launch spec from `launchAdd`/`launch` options, following W&B's
 * `construct_launch_spec` precedence (explicit argument > `config` > derived), and validates it.
 * Pure: no I/O.
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
  readonly repository?: string;
  readonly sweepId?: string;
  readonly author?: string;
  /** The seeds' example passes `parameters=`: run-config overrides, merged over `config.overrides.run_config`. */
  readonly parameters?: Readonly<JsonObject>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(spec: JsonObject, key: string): JsonObject {
  const value = spec[key];
  if (value === undefined || value === null) return (spec[key] = {});
  if (!isObject(value))
    throw invalidArgument(`config.${key} must be an object`, undefined, { key });
  return value;
}

/** Derived project name: `b` for a job `a/b/c`, the repository's base name for a git URI. */
function deriveProject(spec: JsonObject): string | undefined {
  if (typeof spec.job === 'string') {
    const parts = spec.job.split(':')[0]?.split('/') ?? [];
    if (parts.length === 3) return parts[1];
  }
  if (typeof spec.uri === 'string') {
    const base = spec.uri.replace(/\/+$/, '').split(/[/:]/).pop();
    return base?.replace(/\.git$/, '') || undefined;
  }
  return undefined;
}

export function buildLaunchSpec(options: SpecOptions): LaunchSpec {
  if (options.config !== undefined && !isObject(options.config)) {
    throw invalidArgument('config must be an object (the base launch spec)');
  }
  const spec: JsonObject =
    options.config === undefined ? {} : structuredClone({ ...options.config });
  if (options.uri !== undefined) spec.uri = options.uri;
  if (options.job !== undefined) spec.job = options.job;
  const project = options.project ?? (spec.project as string | undefined) ?? deriveProject(spec);
  if (project) spec.project = project;
  const entity = options.entity ?? (spec.entity as string | undefined);
  if (entity) spec.entity = entity;
  if (options.author) spec.author = options.author;
  if (options.name) spec.name = options.name;
  if (options.dockerImage) objectAt(spec, 'docker').docker_image = options.dockerImage;
  if (options.sweepId) spec.sweep_id = options.sweepId;
  // W&B: the config's resource wins over the argument.
  if (spec.resource === undefined && options.resource) spec.resource = options.resource;
  if (options.version) objectAt(spec, 'git').version = options.version;
  const overrides = objectAt(spec, 'overrides');
  const args = overrides.args;
  if (args !== undefined && !(Array.isArray(args) && args.every((a) => typeof a === 'string'))) {
    throw invalidArgument(
      'override args must be a list of strings',
      'Pass config.overrides.args as an array, e.g. ["--epochs", "5"].',
    );
  }
  if (options.parameters !== undefined) {
    const runConfig = overrides.run_config;
    overrides.run_config = { ...(isObject(runConfig) ? runConfig : {}), ...options.parameters };
  }
  if (options.resourceArgs && Object.keys(options.resourceArgs).length > 0) {
    spec.resource_args = structuredClone({ ...options.resourceArgs });
  }
  if (options.entryPoint && options.entryPoint.length > 0) {
    if (!options.entryPoint.every((a) => typeof a === 'string')) {
      throw invalidArgument('entryPoint must be a list of strings, e.g. ["python3", "train.py"]');
    }
    overrides.entry_point = [...options.entryPoint];
  }
  if (options.runId !== undefined) spec.run_id = options.runId;
  if (options.repository) objectAt(spec, 'registry').url = options.repository;
  validateSource(spec);
  return spec;
}

/** Exactly one source: a job, a uri (which becomes a job) or a docker image. */
function validateSource(spec: JsonObject): void {
  const docker = spec.docker;
  const sources = [
    typeof spec.job === 'string' && spec.job !== '',
    typeof spec.uri === 'string' && spec.uri !== '',
    isObject(docker) && typeof docker.docker_image === 'string' && docker.docker_image !== '',
  ].filter(Boolean).length;
  if (sources === 0) {
    throw invalidArgument(
      'Must specify a uri, job or docker image',
      'Pass job: "<entity>/<project>/<name>:latest", uri: "<git repository>", or dockerImage.',
    );
  }
  if (sources > 1) {
    throw invalidArgument(
      'Must specify exactly one of uri, job or image',
      'Remove all but one source.',
    );
  }
  if (typeof spec.job === 'string') {
    const parsed = parseJobRef(spec.job);
    if (!parsed.ok) {
      throw new LaunchError('INVALID_ARGUMENT', parsed.message, {
        hint: `Use ${JOB_REF_FORM}, e.g. alice/mnist/train:latest or alice/mnist/train:v2.`,
      });
    }
  }
}
