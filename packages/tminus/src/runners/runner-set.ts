/**
 * @module The runners an agent has, by the `resource` they serve. Every agent has the local-process
 * runner; others join as they are configured (a container engine, a Slurm cluster, a Kubernetes API).
 */
import { localProcessRunner } from './local-process/local-process-runner.js';
import type { Runner } from './runner.js';

export type RunnerSet = ReadonlyMap<string, Runner>;

export function runnerSet(extra: readonly Runner[] = []): RunnerSet {
  return new Map([localProcessRunner, ...extra].map((runner) => [runner.resource, runner]));
}
