/**
 * tminus's `launchAdd` against W&B's own: every case of `wandb/launch-add-cases.json` was run through
 * wandb's real `_launch_add` (its push recorded instead of sent; generate_launch_add_cases.py), and
 * tminus must build the same request — spec, template variables, queue, project queue, priority — or
 * the same error, except where a documented difference (a decision, and a line of the README's
 * "Differences from W&B Launch") explains it.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

import { LaunchError } from '@tminus/sdk';
import { JsonObject, parseJobRef } from '@tminus/sdk/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { enqueueRequest } from '../../packages/sdk/src/launch-add.js';

const Pushed = z.object({
  queue_name: z.string(),
  spec: JsonObject,
  template_variables: JsonObject.nullable(),
  project_queue: z.string(),
  priority: z.number().int().nullable(),
});
type Pushed = z.infer<typeof Pushed>;
const Outcome = z.union([z.object({ error: z.string() }), z.object({ pushed: Pushed })]);
type Outcome = z.infer<typeof Outcome>;
const Fixture = z.object({
  wandb: z.string(),
  seed: z.number(),
  defaultEntity: z.string(),
  cases: z.array(z.object({ index: z.number(), args: JsonObject, wandb: Outcome })),
});

const fixture = Fixture.parse(
  JSON.parse(readFileSync(new URL('./wandb/launch-add-cases.json', import.meta.url), 'utf8')),
);

/** W&B's keyword arguments → tminus's options. */
const OPTION_OF: Record<string, string> = {
  uri: 'uri',
  job: 'job',
  config: 'config',
  template_variables: 'templateVariables',
  project: 'project',
  entity: 'entity',
  queue_name: 'queueName',
  resource: 'resource',
  entry_point: 'entryPoint',
  name: 'name',
  version: 'version',
  docker_image: 'dockerImage',
  project_queue: 'projectQueue',
  resource_args: 'resourceArgs',
  run_id: 'runId',
  repository: 'repository',
  sweep_id: 'sweepId',
  author: 'author',
  priority: 'priority',
};

/**
 * What tminus's `launchAdd` sends for W&B's arguments, in the shape of W&B's push. W&B's client
 * writes the caller's default entity (`api.default_entity`) into the spec; tminus's server writes the
 * caller's default entity there before storing it (launch-targets.ts): the same value, filled in by
 * the other side (decision 0024). Everything else is compared as sent.
 */
function tminus(args: JsonObject): Outcome {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) options[OPTION_OF[key] ?? key] = value;
  try {
    const request = enqueueRequest(options);
    const sent = JSON.parse(JSON.stringify(request)) as typeof request;
    return {
      pushed: {
        queue_name: sent.queue,
        spec: { entity: fixture.defaultEntity, ...sent.spec },
        template_variables: sent.templateVariables ?? null,
        project_queue: sent.projectQueue ?? 'model-registry',
        priority: sent.priority ?? null,
      },
    };
  } catch (error) {
    if (!(error instanceof LaunchError)) throw error;
    return { error: error.message };
  }
}

const truthy = (v: unknown) => v !== undefined && v !== null && v !== '';
const withoutKey = <T extends object>(o: T, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key)) as T;

/** The documented differences: when each applies, and what exactly it changes. */
const DIFFERENCES = {
  '0001-uri-becomes-a-job-on-the-server': 'a `uri` is a source (W&B ≥ 0.17 ignores it)',
  '0026-repository-always-recorded':
    '`repository` is recorded as `registry.url` even without a config',
  '0027-refused-before-enqueue':
    'a malformed job reference, or override args that are not strings, are refused before enqueue',
} as const;
type Difference = keyof typeof DIFFERENCES;

/**
 * The documented differences that make tminus's outcome differ from W&B's for `args` ([] when they
 * are the same), or undefined when no documented difference explains it.
 */
function explain(args: JsonObject, wandb: Outcome): Difference[] | undefined {
  const ours = tminus(args);
  if (isDeepStrictEqual(ours, wandb)) return [];
  // W&B's launch_add drops `uri`: without it, tminus must do what W&B does.
  if (args.uri !== undefined) {
    const rest = explain(withoutKey(args, 'uri'), wandb);
    return rest && ['0001-uri-becomes-a-job-on-the-server', ...rest];
  }
  if ('pushed' in wandb && 'pushed' in ours) {
    // W&B writes `registry.url` into the config, or into a throw-away dict when there is none.
    const registry = ours.pushed.spec.registry;
    if (
      args.config === undefined &&
      truthy(args.repository) &&
      isDeepStrictEqual(registry, { url: args.repository }) &&
      isDeepStrictEqual(
        { ...ours.pushed, spec: withoutKey(ours.pushed.spec, 'registry') },
        wandb.pushed,
      )
    )
      return ['0026-repository-always-recorded'];
    return undefined;
  }
  if ('pushed' in wandb && 'error' in ours) {
    const spec = wandb.pushed.spec;
    const job = typeof spec.job === 'string' ? spec.job : '';
    const badJob = job !== '' && !parseJobRef(job).ok;
    const overrides = (spec.overrides ?? {}) as JsonObject;
    const args = overrides.args;
    const nonStringArgs = Array.isArray(args) && args.some((a) => typeof a !== 'string');
    if (
      (badJob && ours.error.includes('a job must be of the form')) ||
      (nonStringArgs && ours.error === 'override args must be a list of strings')
    )
      return ['0027-refused-before-enqueue'];
  }
  return undefined;
}

const results = fixture.cases.map((c) => ({ ...c, explained: explain(c.args, c.wandb) }));
const identical = results.filter((r) => r.explained?.length === 0);
const documented = results.filter((r) => r.explained !== undefined && r.explained.length > 0);
const other = results.filter((r) => r.explained === undefined);
const byDifference = (Object.keys(DIFFERENCES) as Difference[])
  .map((d) => `${d.slice(0, 4)}: ${documented.filter((r) => r.explained?.includes(d)).length}`)
  .join(', ');

describe(`launchAdd against W&B ${fixture.wandb}'s own _launch_add (${fixture.cases.length} generated cases)`, () => {
  it(`${identical.length} identical, ${documented.length} documented-different (${byDifference}), ${other.length} other`, () => {
    const unexplained = other.map((r) => ({
      index: r.index,
      args: r.args,
      wandb: r.wandb,
      tminus: tminus(r.args),
    }));
    expect(unexplained).toEqual([]);
    // The fixture exercises what it claims to: successes and W&B's own errors both.
    expect(identical.filter((r) => 'error' in r.wandb).length).toBeGreaterThan(10);
    expect(identical.filter((r) => 'pushed' in r.wandb).length).toBeGreaterThan(100);
  });

  it.each(Object.keys(DIFFERENCES) as Difference[])(
    'documented difference %s occurs in the cases, and the README lists it with its decision',
    (decision) => {
      expect(documented.some((r) => r.explained?.includes(decision))).toBe(true);
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const section = readme.split('## Differences from W&B Launch')[1]?.split('\n## ')[0] ?? '';
      expect(section).toContain(`(docs/decisions/${decision}.md)`);
      readFileSync(new URL(`../../docs/decisions/${decision}.md`, import.meta.url), 'utf8');
    },
  );
});
