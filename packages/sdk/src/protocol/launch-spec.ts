/**
 * @module The launch spec: what `launchAdd` enqueues and an agent executes. Keys are W&B's
 * (snake_case) because users pass this object as `config`, exactly as with W&B Launch.
 */
import * as z from 'zod';

import { JsonObject, Name } from './common.js';

export const Overrides = z.looseObject({
  args: z.array(z.string(), 'override args must be a list of strings').optional(),
  run_config: JsonObject.optional(),
  entry_point: z.array(z.string()).optional(),
  /** The Dockerfile to build with, relative to the job's source (W&B's `--dockerfile`). */
  dockerfile: z.string().optional(),
});
export type Overrides = z.infer<typeof Overrides>;

export const LaunchSpec = z.looseObject({
  job: z.string().optional(),
  uri: z.string().optional(),
  docker: z.looseObject({ docker_image: z.string().optional() }).optional(),
  entity: z.string().optional(),
  project: z.string().optional(),
  name: z.string().optional(),
  author: z.string().optional(),
  run_id: z.string().optional(),
  sweep_id: z.string().optional(),
  /** W&B writes `null` when neither the config nor the argument names one; the queue's wins anyway. */
  resource: z.string().nullable().optional(),
  resource_args: JsonObject.optional(),
  git: z.looseObject({ version: z.string().optional(), repo: z.string().optional() }).optional(),
  overrides: Overrides.optional(),
  builder: JsonObject.optional(),
  registry: JsonObject.optional(),
  template_variables: JsonObject.optional(),
  /** Build an image of the job's source first, with the agent's builder (W&B's `build`). */
  build: z.boolean().optional(),
  /**
   * What W&B's CLI passes to the job it makes from `-u` (`-J`, `-B`, `--build-context`), for the job
   * tminus's server makes from `uri` (decision 0028); only with `uri`.
   */
  job_name: z.string().optional(),
  base_image: z.string().optional(),
  build_context: z.string().optional(),
});
export type LaunchSpec = z.infer<typeof LaunchSpec>;

/** W&B keeps an empty entity or project as given; the server reads it as "not set". */
const OptionalName = z.union([z.literal(''), Name]).optional();

/**
 * A launch spec as a request carries it: the names that choose where it lands (entity, project,
 * queue entity) must be names, checked before any lookup; the rest is as stored.
 */
export const LaunchSpecInput = LaunchSpec.extend({
  entity: OptionalName,
  project: OptionalName,
  queue_entity: OptionalName,
  name: z.string().max(1024).optional(),
  run_id: z.string().max(128).optional(),
});
