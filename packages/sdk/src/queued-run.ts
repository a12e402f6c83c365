/**
 * @module `QueuedRun`: a handle on a queue item (W&B's `QueuedRun`), returned by `launchAdd`.
 */
import type { Api } from './client.js';
import { ExecutionError, LaunchError } from './errors.js';
import type {
  EnqueuedItem,
  PendingExplanation,
  QueueItem,
  QueueItemState,
} from './protocol/queue.js';
import { isTerminalRunState, type Run } from './protocol/run.js';
import { longPoll, type WaitOptions } from './wait.js';

export interface QueuedRunInit {
  readonly id: string;
  readonly entity: string;
  readonly project: string;
  readonly queueName: string;
  readonly projectQueue: string;
  readonly priority: number;
  /** What the server changed or ignored at enqueue (e.g. the queue's resource replaced the launch's). */
  readonly warnings?: readonly string[];
}

export class QueuedRun {
  /** The queue item id. */
  readonly id: string;
  /** Target entity and project of the run. */
  readonly entity: string;
  readonly project: string;
  readonly queueName: string;
  readonly projectQueue: string;
  /** Lower runs first: critical 0, high 1, medium 2, low 3. */
  readonly priority: number;
  /**
   * What the server changed or ignored when it enqueued the run, e.g. "Queue gpu runs on kubernetes;
   * the spec's resource "local-process" was replaced." (W&B logs the queue's resource instead).
   */
  readonly warnings: readonly string[];
  readonly #api: Api;

  constructor(api: Api, init: QueuedRunInit) {
    this.#api = api;
    this.id = init.id;
    this.entity = init.entity;
    this.project = init.project;
    this.queueName = init.queueName;
    this.projectQueue = init.projectQueue;
    this.priority = init.priority;
    this.warnings = [...(init.warnings ?? [])];
  }

  /** A handle on an existing queue item, by id (one request). */
  static async get(api: Api, id: string): Promise<QueuedRun> {
    const item = await api.request('getQueueItem', { params: { id } });
    return QueuedRun.fromItem(api, item);
  }

  /** @internal A run of a batch enqueue. */
  static fromEnqueued(api: Api, item: EnqueuedItem): QueuedRun {
    return new QueuedRun(api, {
      id: item.id,
      entity: item.entity,
      project: item.project,
      queueName: item.queue,
      projectQueue: item.projectQueue,
      priority: item.priority,
      warnings: item.warnings,
    });
  }

  /** @internal */
  static fromItem(api: Api, item: QueueItem): QueuedRun {
    return new QueuedRun(api, {
      id: item.id,
      entity: item.spec.entity ?? item.entity,
      project: item.spec.project ?? '',
      queueName: item.queue,
      projectQueue: item.projectQueue,
      priority: item.priority,
      warnings: item.warnings,
    });
  }

  /** The item's state: `pending`, `leased`, `claimed` or `failed` (one request). */
  async state(): Promise<QueueItemState> {
    return (await this.item()).state;
  }

  /** The queue item as the server has it now. */
  async item(): Promise<QueueItem> {
    return this.#api.request('getQueueItem', { params: { id: this.id } });
  }

  /**
   * Resolves with the run as soon as an agent has taken the item and created the run. Throws
   * `ExecutionError` if the item failed before a run existed.
   */
  async waitUntilStarted(options: WaitOptions = {}): Promise<Run> {
    const runId = await longPoll(
      `queued run ${this.id} to start`,
      async (waitMs, signal) => {
        const item = await this.#api.request(
          'getQueueItem',
          { params: { id: this.id }, query: { waitFor: 'started', waitMs } },
          { signal },
        );
        if (item.runId !== null) return item.runId;
        if (item.state === 'failed') {
          throw new ExecutionError(
            `Queued run ${this.id} failed before it started (${item.error?.stage ?? 'agent'}): ${item.error?.message ?? 'unknown error'}`,
            { details: { item } },
          );
        }
        return undefined;
      },
      options,
    );
    return this.#api.request('getRun', { params: { id: runId } });
  }

  /** W&B's name for `waitUntilStarted`. */
  waitUntilRunning(options: WaitOptions = {}): Promise<Run> {
    return this.waitUntilStarted(options);
  }

  /** Resolves with the run once it is terminal (finished, failed, crashed, stopped, preempted). */
  async waitUntilFinished(options: WaitOptions = {}): Promise<Run> {
    const started = options.timeoutMs === undefined ? undefined : Date.now();
    const run = await this.waitUntilStarted(options);
    const left =
      started === undefined || options.timeoutMs === undefined
        ? {}
        : { timeoutMs: Math.max(1, options.timeoutMs - (Date.now() - started)) };
    return waitForRunEnd(this.#api, run.id, { ...options, ...left });
  }

  /**
   * Why it is still pending: `{ position, queue, agentsPolling, agentsAtCapacity, message }`.
   * @example console.log((await queued.explain()).message)
   */
  explain(): Promise<PendingExplanation> {
    return this.#api.request('explainQueueItem', { params: { id: this.id } });
  }

  /** Removes the item if it is still pending (W&B `delete`). */
  async delete(): Promise<void> {
    await this.#api.request('deleteQueueItem', { params: { id: this.id } });
  }

  /** Removes a pending item, or stops its run if it has started. Idempotent. */
  async cancel(): Promise<void> {
    const item = await this.item();
    if (item.runId === null && item.state === 'pending') {
      try {
        await this.delete();
        return;
      } catch (error) {
        // Taken by an agent meanwhile: fall through to cancelling the run.
        if (!(error instanceof LaunchError && error.code === 'CONFLICT')) throw error;
      }
    }
    const run = item.runId ?? (await this.waitUntilStarted({ timeoutMs: 30_000 })).id;
    await this.#api.request('cancelRun', { params: { id: run } });
  }

  toString(): string {
    return `<QueuedRun ${this.queueName} (${this.id})>`;
  }
}

/** Long-polls a run until it is terminal. */
export function waitForRunEnd(api: Api, runId: string, options: WaitOptions = {}): Promise<Run> {
  return longPoll(
    `run ${runId} to finish`,
    async (waitMs, signal) => {
      const run = await api.request(
        'getRun',
        { params: { id: runId }, query: { waitFor: 'finished', waitMs } },
        { signal },
      );
      return isTerminalRunState(run.state) ? run : undefined;
    },
    options,
  );
}
