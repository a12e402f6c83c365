/**
 * @module Who may call each route, in one table keyed by the route table's names: the type requires an
 * entry for every route, so a new route cannot be added without saying who may call it, and the HTTP
 * app runs the entry after validating the input and before the handler (server/http/app.ts). The
 * authorization matrix test (test/e2e/authz-matrix.test.ts) is generated from the same route table.
 */
import { parseJobRef, type RouteName } from '@tminus/sdk/protocol';

import { launchTargets } from '../../core/launch-targets.js';
import type { HandlerInput } from '../http/handler-types.js';
import type { Guard } from './guard.js';
import type { Principal } from './principal.js';

type Policy<N extends RouteName> = (
  input: HandlerInput<N>,
  who: Principal,
  guard: Guard,
) => void | Promise<void>;

export type Policies = { readonly [N in RouteName]: Policy<N> };

const anyone = () => undefined;

export const policies: Policies = {
  whoami: anyone,

  uploadBlob: (_input, who, g) => void g.user(who),
  downloadBlob: ({ params }, who, g) => g.blob(who, params.digest),

  createJob: ({ body }, who, g) => g.entity(who, body.entity ?? who.entity, 'member'),
  listJobs: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  resolveJob: ({ query }, who, g) => {
    const parsed = parseJobRef(query.ref, { entity: who.entity });
    // A malformed reference is refused by the service with the form it expects.
    if (parsed.ok) g.entity(who, parsed.ref.entity, 'viewer');
    else g.user(who);
  },

  listQueues: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  watchQueues: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  createQueue: ({ body }, who, g) => g.entity(who, body.entity ?? who.entity, 'admin'),
  getQueue: ({ params }, who, g) => g.entity(who, params.entity, 'viewer'),
  listQueueItems: ({ params }, who, g) => g.entity(who, params.entity, 'viewer'),

  enqueue: ({ body }, who, g) =>
    g.launch(who, launchTargets(body.spec, body.queueEntity, who.entity)),
  enqueueBatch: ({ body }, who, g) => {
    const seen = new Set<string>();
    for (const item of body.items) {
      const targets = launchTargets(item.spec, item.queueEntity, who.entity);
      const key = `${targets.entity}\n${targets.queueEntity}\n${targets.jobEntity ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      g.launch(who, targets);
    }
  },
  explainQueueItem: ({ params }, who, g) => g.item(who, params.id, 'read'),
  getQueueItem: ({ params }, who, g) => g.item(who, params.id, 'read'),
  deleteQueueItem: ({ params }, who, g) => g.item(who, params.id, 'manage'),

  listRuns: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  watchRuns: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  getRun: ({ params }, who, g) => g.run(who, params.id, 'read'),
  getRunHistory: ({ params }, who, g) => g.run(who, params.id, 'read'),
  getLogs: ({ params }, who, g) => g.run(who, params.id, 'read'),
  cancelRun: ({ params }, who, g) => g.run(who, params.id, 'manage'),
  logMetrics: ({ params }, who, g) => g.runToken(who, params.id),
  getMetrics: ({ params }, who, g) => g.run(who, params.id, 'read'),
  createDirectRun: ({ body }, who, g) => {
    const { entity, jobEntity } = launchTargets(body.spec, undefined, who.entity);
    g.launch(who, { entity, jobEntity });
  },

  registerAgent: ({ body }, who, g) => g.agentQueues(who, body.entity ?? who.entity, body.queues),
  listAgents: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  watchAgents: ({ query }, who, g) => g.entity(who, query.entity ?? who.entity, 'viewer'),
  claim: ({ params }, who, g) => g.agent(who, params.id),
  heartbeat: ({ params }, who, g) => g.agent(who, params.id),
  ackItem: ({ params }, who, g) => g.itemForAgent(who, params.id),
  failItem: ({ params }, who, g) => g.itemForAgent(who, params.id),
  updateRunStatus: ({ params }, who, g) => g.runForAgent(who, params.id),
  appendLogs: ({ params }, who, g) => g.runForAgent(who, params.id),

  createUser: (_input, who, g) => g.serverAdmin(who),
  listUsers: (_input, who, g) => g.serverAdmin(who),
  createTeam: (_input, who, g) => void g.user(who),
  listMembers: ({ params }, who, g) => g.entity(who, params.entity, 'viewer'),
  setMember: ({ params }, who, g) => g.entity(who, params.entity, 'admin'),
  removeMember: ({ params }, who, g) => g.entity(who, params.entity, 'admin'),
  createKey: ({ body }, who, g) =>
    body.kind === 'agent' ? g.entity(who, body.entity ?? who.entity, 'admin') : void g.user(who),
  listKeys: (_input, who, g) => void g.user(who),
  revokeKey: ({ params }, who, g) => g.key(who, params.id),
};
