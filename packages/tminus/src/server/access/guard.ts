/**
 * @module The access checks every route's policy is made of (policies.ts). Each either returns or
 * throws: NOT_FOUND when the caller may not know the thing exists (no role in its entity, another
 * entity's agent, another run), PERMISSION_DENIED when it may (a viewer launching, a member cancelling
 * someone else's run, a credential of the wrong kind).
 */
import { LaunchError } from '@tminus/sdk';
import type { Role } from '@tminus/sdk/protocol';

import type { LaunchTargets } from '../../core/launch-targets.js';
import type { Store } from '../../store/store.js';
import {
  agentNotFound,
  blobNotFound,
  entityNotFound,
  itemNotFound,
  keyNotFound,
  runNotFound,
} from '../not-found.js';
import type { Facts, Placement } from './facts.js';
import {
  type AgentPrincipal,
  atLeast,
  entitiesWith,
  type Principal,
  roleIn,
  type UserPrincipal,
} from './principal.js';

const denied = (message: string, hint?: string) =>
  new LaunchError('PERMISSION_DENIED', message, hint === undefined ? {} : { hint });

/** What a launch touches: the run's entity, the queue's entity, the job's entity. */
export class Guard {
  readonly #facts: Facts;
  readonly #store: Store;

  constructor(facts: Facts, store: Store) {
    this.#facts = facts;
    this.#store = store;
  }

  /** Only a user key may do this (not an agent key, not a run token). */
  user(who: Principal): UserPrincipal {
    if (who.kind === 'user') return who;
    throw wrongCredential(who);
  }

  /** Users and server settings: server admins only. */
  serverAdmin(who: Principal): void {
    if (!this.user(who).admin) {
      throw denied(
        'Only a server admin may do this',
        'Server admins are created with `tminus user create NAME --admin` (the first admin is the bootstrap key).',
      );
    }
  }

  /** At least `need` in the entity. */
  entity(who: Principal, entity: string, need: Role): void {
    const user = this.user(who);
    const role = roleIn(user, entity);
    if (role === undefined) throw entityNotFound(entity);
    if (!atLeast(role, need)) {
      throw denied(
        `You are a ${role} of "${entity}"; this needs the ${need} role`,
        `An admin of "${entity}" can grant it: \`tminus team add ${entity} ${user.user} --role ${need}\`.`,
      );
    }
  }

  /** A launch: member where the run lands and of the queue's entity; viewer of the job's entity. */
  launch(
    who: Principal,
    targets: Omit<LaunchTargets, 'queueEntity'> & { queueEntity?: string },
  ): void {
    this.entity(who, targets.entity, 'member');
    if (targets.queueEntity !== undefined && targets.queueEntity !== targets.entity) {
      this.entity(who, targets.queueEntity, 'member');
    }
    if (targets.jobEntity !== undefined) this.entity(who, targets.jobEntity, 'viewer');
  }

  /** A run: read by its own run token and by viewers of its entity or its queue's; managed by its launcher or an admin. */
  async run(who: Principal, id: string, need: 'read' | 'manage'): Promise<void> {
    if (who.kind === 'run') {
      if (who.runId !== id) throw runNotFound(id);
      if (need === 'read') return;
    }
    const placement = await this.#facts.run(id);
    this.#placed(who, placement, need, () => runNotFound(id), `Run ${id}`);
  }

  /** A queued run, as `run`. */
  async item(who: Principal, id: string, need: 'read' | 'manage'): Promise<void> {
    const placement = await this.#facts.item(id);
    this.#placed(who, placement, need, () => itemNotFound(id), `Queued run ${id}`);
  }

  #placed(
    who: Principal,
    placement: Placement | undefined,
    need: 'read' | 'manage',
    notFound: () => LaunchError,
    what: string,
  ): void {
    const user = this.user(who);
    if (placement === undefined) throw notFound();
    const here = roleIn(user, placement.entity);
    const queue = placement.queue === null ? undefined : roleIn(user, placement.queue.entity);
    if (here === undefined && queue === undefined) throw notFound();
    if (need === 'read') return;
    if (here === 'admin' || queue === 'admin') return;
    if (atLeast(here, 'member') && placement.createdBy === user.user) return;
    throw denied(
      `${what} was launched by ${placement.createdBy ?? 'someone else'}; members manage only their own runs`,
      `Ask an admin of "${placement.entity}" to do it.`,
    );
  }

  /**
   * Writing a run's metrics: its own run token only — what the program it was given to may do for its
   * run, and nothing else. A token is accepted only while its attempt is live (auth.ts), so this also
   * closes a run's metrics when it ends or is retried.
   */
  runToken(who: Principal, runId: string): void {
    if (who.kind !== 'run') {
      throw denied(
        "Only a run's own program logs its metrics, with its run token",
        'The agent gives each program TMINUS_RUN_TOKEN and TMINUS_API_URL; `import tminus; tminus.log({...})` uses them.',
      );
    }
    if (who.runId !== runId) throw runNotFound(runId);
  }

  /** Registering an agent: an agent key for these queues of its entity, or an admin of the entity. */
  agentQueues(who: Principal, entity: string, queues: readonly string[]): void {
    if (who.kind !== 'agent') return this.entity(who, entity, 'admin');
    if (entity !== who.entity) throw entityNotFound(entity);
    this.#inScope(who, queues);
  }

  /** Claims and heartbeats of an agent: an agent key covering its queues, or an admin of its entity. */
  async agent(who: Principal, agentId: string): Promise<void> {
    const agent = await this.#facts.agent(agentId);
    if (agent === undefined) throw agentNotFound(agentId);
    if (who.kind === 'agent') {
      if (agent.entity !== who.entity) throw agentNotFound(agentId);
      return this.#inScope(who, agent.queues);
    }
    if (roleIn(this.user(who), agent.entity) === undefined) throw agentNotFound(agentId);
    this.entity(who, agent.entity, 'admin');
  }

  /** Acknowledging or failing a leased item: the agent's side of its queue. */
  async itemForAgent(who: Principal, itemId: string): Promise<void> {
    const placement = await this.#facts.item(itemId);
    if (placement?.queue == null) throw itemNotFound(itemId);
    this.#servesQueue(who, placement.queue, () => itemNotFound(itemId));
  }

  /** Reporting a run's state and logs: the agent's side of its queue, or whoever runs it directly. */
  async runForAgent(who: Principal, runId: string): Promise<void> {
    const placement = await this.#facts.run(runId);
    if (placement === undefined) throw runNotFound(runId);
    if (placement.queue !== null) {
      return this.#servesQueue(who, placement.queue, () => runNotFound(runId));
    }
    // A direct run (`launch()`): executed by the user who created it.
    const user = this.user(who);
    if (roleIn(user, placement.entity) === undefined) throw runNotFound(runId);
    if (placement.createdBy !== user.user) this.entity(who, placement.entity, 'admin');
  }

  #servesQueue(
    who: Principal,
    queue: { readonly entity: string; readonly name: string },
    notFound: () => LaunchError,
  ): void {
    if (who.kind === 'agent') {
      if (queue.entity !== who.entity) throw notFound();
      return this.#inScope(who, [queue.name]);
    }
    if (roleIn(this.user(who), queue.entity) === undefined) throw notFound();
    this.entity(who, queue.entity, 'admin');
  }

  #inScope(who: AgentPrincipal, queues: readonly string[]): void {
    const outside = queues.filter((q) => !who.queues.includes(q));
    if (outside.length > 0) {
      throw denied(
        `This agent key serves queue(s) ${who.queues.join(', ')} of "${who.entity}", not ${outside.join(', ')}`,
        `An admin of "${who.entity}" can make a key for them: \`tminus key create --agent --entity ${who.entity} ${outside.map((q) => `--queue ${q}`).join(' ')}\`.`,
      );
    }
  }

  /** Revoking a key: your own, an agent key of an entity you administer, or any (server admins). */
  async key(who: Principal, id: string): Promise<void> {
    const user = this.user(who);
    const record = await this.#store.getApiKey(id);
    if (record === undefined) throw keyNotFound(id);
    if (user.admin || record.user === user.user) return;
    if (record.kind === 'agent' && roleIn(user, record.entity) === 'admin') return;
    throw keyNotFound(id);
  }

  /** A code snapshot: readable where one of the caller's entities uses it. */
  async blob(who: Principal, digest: string): Promise<void> {
    if (who.kind === 'run') throw wrongCredential(who);
    if (!(await this.#store.blobReadableBy(digest, entitiesWith(who, 'viewer')))) {
      throw blobNotFound(digest);
    }
  }
}

function wrongCredential(who: Exclude<Principal, UserPrincipal>): LaunchError {
  return who.kind === 'agent'
    ? denied(
        `An agent key may only register agents and claim, acknowledge, heartbeat and report the runs of its queues (${who.queues.join(', ')} of "${who.entity}"); this needs a user key`,
      )
    : denied(
        `A run token may only read its own run (${who.runId}) and log its metrics; this needs a user key`,
      );
}
