/**
 * @module `launchAdd`: W&B's `launch_add` in TypeScript: build a launch spec and push it onto a queue;
 * `launchAddBatch`: many at once.
 */
import { Api } from './client.js';
import { invalidArgument, LaunchError } from './errors.js';
import { newIdempotencyKey } from './idempotency-key.js';
import type { JsonObject } from './protocol/common.js';
import { type EnqueueRequest, MAX_BATCH_ITEMS } from './protocol/queue.js';
import { buildLaunchSpec, SPEC_OPTION_KEYS, type SpecOptions } from './launch-spec-builder.js';
import { checkOptionKeys } from './option-keys.js';
import { QueuedRun } from './queued-run.js';

export interface LaunchAddOptions extends SpecOptions {
  /** Values for the queue's template variables, `{ NAME: value }`. */
  readonly templateVariables?: Readonly<Record<string, string | number>>;
  /** Queue to push to. @default "default" */
  readonly queueName?: string;
  /** Legacy project-scoped queues. @default "model-registry" */
  readonly projectQueue?: string;
  /**
   * Build an image of the job's source before it runs (W&B's `build`): the queue's agent does it with
   * its builder (`builder:`/`registry:` in its launch-config). Not on local-process. @default false
   */
  readonly build?: boolean;
  /** Lower runs first: critical 0, high 1, medium 2 (default), low 3. Needs a queue with prioritisation on. */
  readonly priority?: number;
  /** Client to use. @default new Api() (TMINUS_BASE_URL / TMINUS_API_KEY / CLI config) */
  readonly api?: Api;
  /** Sent as `Idempotency-Key`; a retried request returns the same queued run. @default a new UUIDv7 (time-ordered, random) */
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
  const body = enqueueRequest(options);
  const headers = { 'idempotency-key': options.idempotencyKey ?? newIdempotencyKey() };
  const item = await retryWhileUnavailable(() => api.request('enqueue', { body }, { headers }));
  return QueuedRun.fromItem(api, item);
}

/** One run of a batch: `launchAdd`'s options without the client and key, which the batch has. */
export type LaunchAddBatchItem = Omit<LaunchAddOptions, 'api' | 'idempotencyKey'>;

export interface LaunchAddBatchOptions {
  /** Client to use. @default new Api() */
  readonly api?: Api;
  /** Sent as `Idempotency-Key`; a retried batch returns the same queued runs. @default a new UUIDv7 (time-ordered, random) */
  readonly idempotencyKey?: string;
}

/**
 * Enqueues many runs in few requests (up to 10,000 per request, all or none per request) and returns
 * their `QueuedRun` handles in order. For sweeps and backfills: one request instead of thousands.
 * Every item is checked before anything is sent; an invalid item fails the whole call.
 *
 * @example
 * const runs = await launchAddBatch([0.1, 0.01, 0.001].map((lr) => ({ job: 'alice/mnist/train:latest', config: { overrides: { run_config: { lr } } } })));
 */
export async function launchAddBatch(
  items: readonly LaunchAddBatchItem[],
  options: LaunchAddBatchOptions = {},
): Promise<QueuedRun[]> {
  const api = options.api ?? new Api();
  checkOptionKeys('launchAddBatch', options, ['api', 'idempotencyKey']);
  const bodies = items.map((item, index) => {
    try {
      return enqueueRequest(item, 'launchAddBatch');
    } catch (error) {
      if (error instanceof LaunchError)
        throw new LaunchError(error.code, `items[${index}]: ${error.message}`, {
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          details: { ...error.details, index },
        });
      throw error;
    }
  });
  const key = options.idempotencyKey ?? newIdempotencyKey();
  const queued: QueuedRun[] = [];
  for (let start = 0; start < bodies.length; start += MAX_BATCH_ITEMS) {
    const chunk = bodies.slice(start, start + MAX_BATCH_ITEMS);
    const headers = { 'idempotency-key': start === 0 ? key : `${key}:${start}` };
    const { items: stored } = await retryWhileUnavailable(() =>
      api.request('enqueueBatch', { body: { items: chunk } }, { headers }),
    );
    queued.push(...stored.map((item) => QueuedRun.fromEnqueued(api, item)));
  }
  return queued;
}

/** `launchAdd`'s option keys beyond the spec's. */
const LAUNCH_ADD_KEYS = [
  ...SPEC_OPTION_KEYS,
  'templateVariables',
  'queueName',
  'projectQueue',
  'build',
  'priority',
  'api',
  'idempotencyKey',
] as const satisfies readonly (keyof LaunchAddOptions)[];

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @internal The enqueue request for one run, checked on this side first: W&B's `launch_add` steps
 * before its push (build the spec; merge the spec's `template_variables` under the argument's, key by
 * key, and take them out of the spec; check the source).
 */
export function enqueueRequest(options: LaunchAddBatchItem, fn = 'launchAdd'): EnqueueRequest {
  checkOptionKeys(fn, options, LAUNCH_ADD_KEYS);
  const spec = buildLaunchSpec(options);
  if (options.build) {
    // W&B checks the argument; the queue's own resource is checked by the server.
    if (options.resource === 'local-process')
      throw invalidArgument('Cannot build a docker image for the resource: local-process');
    // The agent's builder builds it (W&B builds on the caller's machine); decision 0028.
    spec.build = true;
  }
  if (
    options.priority !== undefined &&
    !(Number.isInteger(options.priority) && options.priority >= 0 && options.priority <= 3)
  ) {
    throw invalidArgument(
      `priority must be an integer from 0 (critical) to 3 (low), got ${String(options.priority)}`,
    );
  }
  const fromSpec = spec.template_variables;
  let templateVariables: JsonObject | undefined = options.templateVariables;
  if (isObject(fromSpec)) {
    delete spec.template_variables;
    templateVariables = { ...fromSpec, ...options.templateVariables };
  }
  return {
    queue: options.queueName ?? 'default',
    spec,
    ...(options.projectQueue === undefined ? {} : { projectQueue: options.projectQueue }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    ...(templateVariables === undefined ? {} : { templateVariables: { ...templateVariables } }),
  };
}

/** Retries while the server is unreachable: safe, because the idempotency key makes it return the first result. */
async function retryWhileUnavailable<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (!(error instanceof LaunchError && error.code === 'UNAVAILABLE') || delay === undefined)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
