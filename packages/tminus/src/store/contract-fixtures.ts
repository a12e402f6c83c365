/**
 * @module What the store contract's parts share: the log limit of ordinary tests, the wire-shape
 * check, and the fixtures that make a queue, an item, a run and a leased run in a store.
 */
import { z } from 'zod';

import type { NewQueueItem, NewRun, Store } from './store.js';

/** Large enough that the ordinary log tests never reach it. */
export const LIMIT = { maxBytes: 1024 ** 3, notice: 'log limit reached' };

/** Parses `value` as exactly `schema` (unknown keys refused), so a test fails on any shape drift. */
export function wire<S extends z.ZodObject>(schema: S, value: unknown): void {
  z.strictObject(schema.shape).parse(value);
}

/** Fixtures on the store `store()` returns, with times from `now`. */
export function contractFixtures(store: () => Store, now: () => number) {
  const queue = async (qname = 'q', prioritization = true) => {
    const t = now();
    return store().createQueue({
      id: `q_${qname}`,
      entity: 'e',
      name: qname,
      resource: 'local-process',
      config: {},
      templateVariables: {},
      prioritization,
      maxAttempts: 1,
      createdAt: new Date(t).toISOString(),
      createdAtMs: t,
    });
  };
  const item = (id: string, priority = 2, extra: Partial<NewQueueItem> = {}): NewQueueItem => ({
    id,
    queueId: 'q_q',
    priority,
    spec: { job: 'e/p/j:v0' },
    templateVariables: {},
    projectQueue: 'model-registry',
    warnings: [],
    createdBy: null,
    idempotencyKey: null,
    now: now(),
    ...extra,
  });
  const newRun = (id: string, token = 'tok', extra: Partial<NewRun> = {}): NewRun => ({
    id,
    entity: 'e',
    project: 'p',
    name: null,
    queueItemId: null,
    queueId: null,
    job: null,
    spec: {},
    config: { lr: 1 },
    agentId: null,
    fencingToken: token,
    state: 'pending',
    leaseExpiresAt: null,
    createdBy: null,
    now: now(),
    ...extra,
  });
  const leasedRun = async (maxAttempts: number, state: 'starting' | 'running' = 'running') => {
    const t = now();
    await store().createQueue({
      id: 'q_q',
      entity: 'e',
      name: 'q',
      resource: 'local-process',
      config: {},
      templateVariables: {},
      prioritization: true,
      maxAttempts,
      createdAt: new Date(t).toISOString(),
      createdAtMs: t,
    });
    await store().enqueue(item('i'));
    await store().claim({
      queueId: 'q_q',
      agentId: 'ag',
      fencingToken: 'a1',
      now: 100,
      leaseExpiresAt: 200,
    });
    await store().ackItem(
      'i',
      'a1',
      newRun('r', 'a1', {
        queueItemId: 'i',
        queueId: 'q_q',
        state: 'starting',
        leaseExpiresAt: 200,
      }),
    );
    if (state === 'running') await store().updateRun('r', 'a1', { state: 'running' });
  };

  return { queue, item, newRun, leasedRun };
}
