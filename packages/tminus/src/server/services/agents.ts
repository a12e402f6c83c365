import { LaunchError } from '@tminus/sdk';
import type {
  Agent,
  ClaimRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  JobVersion,
  Lease,
  Queue,
  QueueItem,
  RegisterAgentRequest,
} from '@tminus/sdk/protocol';
import { ClaimRequest as ClaimRequestSchema } from '@tminus/sdk/protocol';

import { BoundedMap } from '../../lib/bounded-map.js';
import { newFencingToken, newId } from '../ids.js';
import { topics } from '../notifier.js';
import type { AgentRef, Facts } from '../access/facts.js';
import type { AuthContext } from '../auth.js';
import { agentNotFound } from '../not-found.js';
import type { ServiceContext } from './context.js';
import type { JobService } from './jobs.js';
import type { QueueService } from './queues.js';

/** Agents: registration, the long-poll claim, and heartbeats. */
export class AgentService {
  readonly #aliveWritten = new BoundedMap<string, number>(10_000);
  /** Status and number of runs each agent last reported here (see `#announce`). */
  readonly #reported = new BoundedMap<string, string>(10_000);
  readonly #leaseJobs = new BoundedMap<string, { job: JobVersion | null; at: number }>(1_000);

  constructor(
    private readonly ctx: ServiceContext,
    private readonly queues: QueueService,
    private readonly jobs: JobService,
    private readonly leased: Map<string, QueueItem>,
    private readonly facts: Facts,
  ) {}

  async register(auth: AuthContext, request: RegisterAgentRequest): Promise<Agent> {
    const entity = request.entity ?? auth.entity;
    const missing: string[] = [];
    for (const name of request.queues) {
      try {
        await this.queues.get(entity, name);
      } catch {
        missing.push(name);
      }
    }
    if (missing.length > 0) {
      const available = (await this.ctx.store.listQueues(entity)).map((q) => q.name);
      throw new LaunchError(
        'NOT_FOUND',
        `Could not start launch agent: queue(s) ${missing.join(', ')} not found for entity ${entity}`,
        {
          hint: `Available queues: ${available.join(', ') || 'none'}. Create one with \`tminus queue create NAME -e ${entity}\`.`,
        },
      );
    }
    const agent = await this.ctx.store.createAgent({
      id: newId('ag'),
      entity,
      queues: request.queues,
      hostname: request.hostname,
      maxJobs: request.maxJobs,
      version: request.version,
      config: request.config ?? {},
      now: this.ctx.now(),
    });
    this.ctx.notifier.notify(topics.anyAgent);
    return agent;
  }

  /** Leases the next item of the agent's queues (in the order given), waiting up to `waitMs` for one. */
  /** Also returns at once with the agent's runs to cancel, so a stop request reaches an idle agent immediately. */
  async claim(
    agentId: string,
    input: ClaimRequest,
    signal?: AbortSignal,
  ): Promise<{ lease: Lease | null; cancel: string[] }> {
    const request = ClaimRequestSchema.parse(input);
    const agent = await this.#registration(agentId);
    const names = request.queues ?? agent.queues;
    const strangers = names.filter((name) => !agent.queues.includes(name));
    if (strangers.length > 0) {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `Agent ${agentId} polls ${agent.queues.join(', ')}; it cannot claim from ${strangers.join(', ')}`,
        { hint: 'Register an agent for those queues (restart it with -q for each).' },
      );
    }
    const queues: Queue[] = [];
    for (const name of names) queues.push(await this.queues.get(agent.entity, name));
    await this.#markAlive(agent);
    const result = await this.ctx.notifier.waitFor(
      [...queues.map((q) => topics.queue(q.id)), topics.agent(agentId)],
      request.waitMs,
      async () => {
        const known = new Set(request.cancelling);
        const cancel =
          request.active === 0
            ? []
            : (await this.ctx.store.agentRunIds(agentId, 'stopping')).filter(
                (id) => !known.has(id),
              );
        if (cancel.length > 0) return { lease: null, cancel };
        const lease = await this.#tryClaim(agentId, queues);
        return lease === undefined ? undefined : { lease, cancel };
      },
      signal,
      // A lease uses up the wake its queue sent (other wakes are passed on to other agents).
      (answer) => (answer.lease === null ? undefined : topics.queue(answer.lease.item.queueId)),
    );
    return result ?? { lease: null, cancel: [] };
  }

  /** An agent's entity and queues never change after registration (cached by `Facts`). */
  async #registration(agentId: string): Promise<AgentRef> {
    const agent = await this.facts.agent(agentId);
    if (agent === undefined) throw agentNotFound(agentId);
    return agent;
  }

  /**
   * A claim counts as a sign of life ("why pending" lists agents heard from recently), but at most
   * once a second per agent: a busy agent claims hundreds of times a second, and its heartbeats
   * (every third of a lease) keep its status and run count current anyway.
   */
  async #markAlive(agent: AgentRef): Promise<void> {
    const now = this.ctx.now();
    if (now - (this.#aliveWritten.get(agent.id) ?? 0) < 1_000) return;
    this.#aliveWritten.set(agent.id, now);
    await this.ctx.store.touchAgent(agent.id, now);
  }

  /**
   * The job of a lease. Specs hold a pinned `:vN` (resolved at enqueue), whose source never changes,
   * so a busy queue looks each job up at most once a second; only its `aliases` may lag by that long
   * (the agent uses the source and the ref).
   */
  async #leaseJob(entity: string, ref: string): Promise<JobVersion | null> {
    const now = this.ctx.now();
    const cached = this.#leaseJobs.get(ref);
    if (cached !== undefined && now - cached.at < 1_000) return cached.job;
    const job = await this.jobs.resolve(entity, ref).catch(() => null);
    this.#leaseJobs.set(ref, { job, at: now });
    return job;
  }

  async #tryClaim(agentId: string, queues: readonly Queue[]): Promise<Lease | undefined> {
    for (const queue of queues) {
      const now = this.ctx.now();
      const fencingToken = newFencingToken();
      const leaseExpiresAt = now + this.ctx.leaseMs;
      const item = await this.ctx.store.claim({
        queueId: queue.id,
        agentId,
        fencingToken,
        now,
        leaseExpiresAt,
      });
      if (item === undefined) continue;
      // No notification: nobody waits for `leased` (waiters want the run, which the ack creates).
      this.leased.set(item.id, item);
      const job =
        item.spec.job === undefined ? null : await this.#leaseJob(item.entity, item.spec.job);
      return { item, fencingToken, leaseExpiresAt: new Date(leaseExpiresAt).toISOString(), job };
    }
    return undefined;
  }

  async heartbeat(agentId: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const now = this.ctx.now();
    await this.#registration(agentId);
    await this.ctx.store.heartbeatAgent(agentId, request.status, request.runs.length, now);
    this.#aliveWritten.set(agentId, now);
    this.#announce(agentId, `${request.status} ${request.runs.length}`);
    const owned = new Set(
      await this.ctx.store.extendRunLeases(request.runs, now + this.ctx.leaseMs),
    );
    const lost = request.runs.filter((r) => !owned.has(r.runId)).map((r) => r.runId);
    const runs = await this.ctx.store.getRunsByIds([...owned]);
    const cancel = runs.filter((r) => r.state === 'stopping').map((r) => r.id);
    return { cancel, lost };
  }

  /**
   * Live boards of agents hear of a heartbeat that changed what they show (status, number of runs),
   * not of every one: agents heartbeat every third of a lease, and each wake re-reads a board.
   */
  #announce(agentId: string, reported: string): void {
    if (this.#reported.get(agentId) === reported) return;
    this.#reported.set(agentId, reported);
    this.ctx.notifier.notify(topics.anyAgent);
  }

  list(auth: AuthContext, entity?: string): Promise<Agent[]> {
    return this.ctx.store.listAgents(entity ?? auth.entity);
  }
}
