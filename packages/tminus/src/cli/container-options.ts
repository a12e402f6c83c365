/**
 * @module The agent's local-container runner, from W&B's launch-config blocks: `builder` (`type`
 * docker or noop, `base_image`, `destination`) and the legacy `registry` (`url`/`uri`: where images
 * go when `builder.destination` says nothing). Every `tminus agent` has the runner; it looks for a
 * container engine when a run first needs one, so an agent on a machine without docker still serves
 * its other queues, and a container run there fails saying how to get an engine.
 */
import { LaunchError } from '@tminus/sdk';

import { type BuilderConfig, parseBuilderConfig } from '../builders/index.js';
import type { Runner } from '../runners/runner.js';
import { localContainerRunner } from '../runners/local-container/runner.js';
import { UsageError } from './usage-error.js';

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The `builder` block as the builders take it (W&B's `platform` and other keys are not used). */
export function builderConfigOf(config: {
  readonly builder?: Record<string, unknown>;
  readonly registry?: Record<string, unknown>;
}): BuilderConfig {
  const { builder = {}, registry = {} } = config;
  const destination =
    stringOf(builder.destination) ?? stringOf(registry.url) ?? stringOf(registry.uri);
  try {
    return parseBuilderConfig({
      type: builder.type ?? 'docker',
      ...(builder.base_image === undefined ? {} : { base_image: builder.base_image }),
      ...(destination === undefined ? {} : { destination }),
    });
  } catch (error) {
    if (error instanceof LaunchError)
      throw new UsageError(
        `launch-config ${error.message}`,
        'Fix the builder block: builder: {type: docker, base_image: python:3.11-slim, destination: registry.example.com/team/images}',
      );
    throw error;
  }
}

export function containerRunners(
  config: {
    readonly builder?: Record<string, unknown>;
    readonly registry?: Record<string, unknown>;
  },
  log: (line: string) => void,
): Runner[] {
  return [localContainerRunner({ builder: builderConfigOf(config), log })];
}
