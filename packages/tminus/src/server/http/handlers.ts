/**
 * @module One handler per route: input already validated and the caller authorized (access/policies.ts),
 * output validated by the client. Each only calls a service; the rules live in the services.
 */

import type { RunListQuery } from '@tminus/sdk/protocol';
import type { z } from 'zod';

import { TMINUS_VERSION } from '../../lib/defaults.js';
import type { RunListFilter } from '../../store/store.js';
import { blobNotFound } from '../not-found.js';
import type { Services } from '../services/index.js';
import { BinaryBody } from './binary-body.js';
import type { Handlers } from './handler-types.js';

export const SERVER_VERSION = TMINUS_VERSION;

export function createHandlers(s: Services): Handlers {
  /** listRuns' and watchRuns' query as the store's filter (a queue by name becomes its id). */
  const runFilter = async (
    query: z.output<typeof RunListQuery>,
    entity: string,
  ): Promise<RunListFilter> => {
    const queue =
      query.queue === undefined
        ? undefined
        : await s.queues.get(query.entity ?? entity, query.queue);
    return {
      entity: query.entity ?? entity,
      limit: query.limit,
      ...(query.project === undefined ? {} : { project: query.project }),
      ...(queue === undefined ? {} : { queueId: queue.id }),
      ...(query.state === undefined ? {} : { state: query.state }),
      ...(query.job === undefined ? {} : { job: query.job }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    };
  };
  return {
    whoami: (_input, { auth }) => Promise.resolve(s.access.whoami(auth)),
    uploadBlob: async ({ raw }) => ({ digest: await s.blobs.put(raw), size: raw.size }),
    downloadBlob: async ({ params }) => {
      const blob = await s.blobs.get(params.digest);
      if (blob === undefined) throw blobNotFound(params.digest);
      return new BinaryBody(blob.size, () => blob.chunks());
    },
    createJob: ({ body }, { auth }) => s.jobs.create(auth, body),
    listJobs: async ({ query }, { auth }) => ({
      items: await s.store.listJobs(query.entity ?? auth.entity, query.project),
    }),
    resolveJob: ({ query }, { auth }) => s.jobs.resolve(auth.entity, query.ref),
    listQueues: async ({ query }, { auth }) => ({ items: await s.queues.list(auth, query.entity) }),
    watchQueues: ({ query }, { auth, signal }) =>
      s.boards.watchQueues(query.entity ?? auth.entity, { ...query, signal }),
    createQueue: ({ body }, { auth }) => s.queues.create(auth, body),
    getQueue: ({ params }) => s.queues.get(params.entity, params.name),
    listQueueItems: async ({ params, query }) => {
      const queue = await s.queues.get(params.entity, params.name);
      return { items: await s.store.listQueueItems(queue.id, query.state, query.limit) };
    },
    explainQueueItem: ({ params }) => s.items.explain(params.id),
    enqueue: ({ body }, { auth, idempotencyKey }) => s.enqueue.enqueue(auth, body, idempotencyKey),
    enqueueBatch: async ({ body }, { auth, idempotencyKey }) => ({
      items: (await s.enqueue.enqueueMany(auth, body.items, idempotencyKey)).map((i) => ({
        id: i.id,
        queue: i.queue,
        queueEntity: i.entity,
        entity: i.spec.entity ?? i.entity,
        project: i.spec.project ?? '',
        projectQueue: i.projectQueue,
        priority: i.priority,
        state: i.state,
        warnings: i.warnings,
      })),
    }),
    getQueueItem: ({ params, query }, { signal }) =>
      query.waitFor === undefined || query.waitMs === 0
        ? s.items.get(params.id)
        : s.items.waitStarted(params.id, query.waitMs, signal),
    deleteQueueItem: async ({ params }) => ({ deleted: await s.items.delete(params.id) }),
    listRuns: async ({ query }, { auth }) => s.runs.list(await runFilter(query, auth.entity)),
    watchRuns: async ({ query }, { auth, signal }) =>
      s.runs.watch(await runFilter(query, auth.entity), query.unless, query.waitMs, signal),
    getRun: ({ params, query }, { signal }) =>
      query.waitFor === undefined || query.waitMs === 0
        ? s.runs.get(params.id)
        : s.runs.wait(params.id, query.waitFor, query.waitMs, signal),
    getRunHistory: async ({ params }) => ({ items: await s.runs.history(params.id) }),
    cancelRun: ({ params }) => s.runs.cancel(params.id),
    getLogs: ({ params, query }, { signal }) =>
      s.runs.readLogs(params.id, query.after, query.limit, query.waitMs, signal),
    logMetrics: ({ params, body }) => s.metrics.append(params.id, body),
    getMetrics: ({ params, query }) => s.metrics.read(params.id, query.after, query.limit),
    createDirectRun: ({ body }, { auth }) => s.runs.createDirect(auth, body.spec),
    registerAgent: ({ body }, { auth }) => s.agents.register(auth, body),
    listAgents: async ({ query }, { auth }) => ({ items: await s.agents.list(auth, query.entity) }),
    watchAgents: ({ query }, { auth, signal }) =>
      s.boards.watchAgents(query.entity ?? auth.entity, { ...query, signal }),
    claim: ({ params, body }, { signal }) => s.agents.claim(params.id, body, signal),
    heartbeat: ({ params, body }) => s.agents.heartbeat(params.id, body),
    ackItem: ({ params, body }) => s.items.ack(params.id, body.fencingToken, body.runId),
    failItem: ({ params, body }) =>
      s.items.fail(params.id, body.fencingToken, body.stage, body.message),
    updateRunStatus: ({ params, body }) => s.runs.updateStatus(params.id, body),
    appendLogs: ({ params, body }) =>
      s.runs.appendLogs(params.id, body.fencingToken, body.lines, body.from),
    createUser: ({ body }) => s.access.createUser(body.name, body.admin),
    listUsers: async () => ({ items: await s.access.listUsers() }),
    createTeam: ({ body }, { auth }) => s.access.createTeam(s.guard.user(auth), body.name),
    listMembers: async ({ params }) => ({ items: await s.access.listMembers(params.entity) }),
    setMember: ({ params, body }) => s.access.setMember(params.entity, params.user, body.role),
    removeMember: async ({ params }) => ({
      deleted: await s.access.removeMember(params.entity, params.user),
    }),
    createKey: ({ body }, { auth }) => s.access.createKey(s.guard.user(auth), body),
    listKeys: async (_input, { auth }) => ({ items: await s.access.listKeys(s.guard.user(auth)) }),
    revokeKey: async ({ params }) => ({ revoked: await s.access.revokeKey(params.id) }),
  };
}
