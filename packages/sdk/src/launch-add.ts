/**
 * @module `launchAdd`: W&B's `launch_add` in TypeScript: build a launch spec and push it onto a queue.
 */
import { Api } from './client.js';
import { invalidArgument, LaunchError } from './errors.js';
import type { JsonObject } from './protocol/common.js';
import { buildLaunchSpec, type SpecOptions } from './launch-spec-builder.js';
import { QueuedRun } from './queued-run.js';

export interface LaunchAddOptions extends SpecOptions {
  /** Values for the queue's template variables, `{ NAME: value }`. */
  readonly templateVariables?: Readonly<Record<string, string | number>>;
  /** Queue to push to. @default "default" */
  readonly queueName?: string;
  /** Legacy project-scoped queues. @default "model-registry" */
  readonly projectQueue?: string;
  /** Build an image first (needs an image builder; not available yet). @default false */
  readonly build?: boolean;
  /** Lower runs first: critical 0, high 1, medium 2 (default), low 3. Needs a queue with prioritisation on. */
  readonly priority?: number;
  /** Client to use. @default new Api() (TMINUS_BASE_URL / TMINUS_API_KEY / CLI config) */
  readonly api?: Api;
  /** Sent as `Idempotency-Key`; a retried request returns the same queued run. @default a random UUID */
  readonly idempotencyKey?: string;
}

const RETRY_DELAYS_MS = [100, 400, 1600];

/**
 * Enqueues a run and returns a `QueuedRun` handle.
 *
 * @example
 * const queued = await launchAdd({ job: 'alice/mnist/train:latest', config: { overrides: { run_config: { lr: 0.01 } } } });
 * const run = await queued.waitUntilFinished();
 */
export async function launchAdd(options: LaunchAddOptions = {}): Promise<QueuedRun> {
  const api = options.api ?? new Api();
  const spec = buildLaunchSpec(options);
  if (options.build) {
    if ((spec.resource ?? 'local-process') === 'local-process') {
      throw invalidArgument('Cannot build a docker image for the resource: local-process');
    }
    throw new LaunchError('UNIMPLEMENTED', 'build=true needs an image builder, which tminus does not have yet', {
      hint: 'Launch a job that already names its image (dockerImage) instead.',
    });
  }
  if (options.priority !== undefined && !(Number.isInteger(options.priority) && options.priority >= 0 && options.priority <= 3)) {
    throw invalidArgument(
      `priority must be an integer from 0 (critical) to 3 (low), got ${String(options.priority)}`,
    );
  }
  const body = {
    queue: options.queueName ?? 'default',
    spec,
    ...(options.projectQueue === undefined ? {} : { projectQueue: options.projectQueue }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(options.templateVariables === undefined
      ? {}
      : { templateVariables: { ...options.templateVariables } as JsonObject }),
  };
  const headers = { 'idempotency-key': options.idempotencyKey ?? crypto.randomUUID() };
  for (let attempt = 0; ; attempt++) {
    try {
      const item = await api.request('enqueue', { body }, { headers });
      return QueuedRun.fromItem(api, item);
    } catch (error) {
      // Safe to retry: the idempotency key makes the server return the first item.
      const delay = RETRY_DELAYS_MS[attempt];
      if (!(error instanceof LaunchError && error.code === 'UNAVAILABLE') || delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
