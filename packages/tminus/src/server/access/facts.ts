/**
 * @module The facts access checks need about things reached by id — whose run, on which queue of
 * which entity, launched by whom — read once and cached. They never change after creation (queues are
 * never moved, runs and items never change entity, queue or author), so the caches need no
 * invalidation, even across replicas; they are bounded, and a miss is one keyed read.
 */
import type { Agent, QueueItem } from '@tminus/sdk/protocol';

import { BoundedMap } from '../../lib/bounded-map.js';
import type { Store } from '../../store/store.js';

/** What never changes about an agent once registered. */
export type AgentRef = Pick<Agent, 'id' | 'entity' | 'queues'>;

export interface QueueRef {
  readonly id: string;
  readonly entity: string;
  readonly name: string;
}

/** Where a run or an item lands (`entity`) and which queue (if any) serves it. */
export interface Placement {
  readonly entity: string;
  readonly queue: QueueRef | null;
  readonly createdBy: string | null;
}

export class Facts {
  readonly #store: Store;
  readonly #runs = new BoundedMap<string, Placement>(10_000);
  readonly #items = new BoundedMap<string, Placement>(10_000);
  readonly #agents = new BoundedMap<string, AgentRef>(10_000);
  readonly #queues = new BoundedMap<string, QueueRef>(10_000);
  /** Items this replica leased (see services/index.ts): an ack needs no read to be checked. */
  readonly #leased: ReadonlyMap<string, QueueItem>;

  constructor(store: Store, leased: ReadonlyMap<string, QueueItem> = new Map()) {
    this.#store = store;
    this.#leased = leased;
  }

  async queue(id: string): Promise<QueueRef | undefined> {
    let ref = this.#queues.get(id);
    if (ref === undefined) {
      const queue = await this.#store.getQueueById(id);
      if (queue === undefined) return undefined;
      this.#queues.set(id, (ref = { id, entity: queue.entity, name: queue.name }));
    }
    return ref;
  }

  async run(id: string): Promise<Placement | undefined> {
    let placement = this.#runs.get(id);
    if (placement === undefined) {
      const owner = await this.#store.getRunOwner(id);
      if (owner === undefined) return undefined;
      placement = {
        entity: owner.entity,
        queue: owner.queueId === null ? null : ((await this.queue(owner.queueId)) ?? null),
        createdBy: owner.createdBy,
      };
      this.#runs.set(id, placement);
    }
    return placement;
  }

  /** The run an ack just created: its reports are then checked without a read. */
  rememberRun(id: string, item: QueueItem): void {
    this.#runs.set(id, placementOf(item));
  }

  async item(id: string): Promise<Placement | undefined> {
    const leased = this.#leased.get(id);
    if (leased !== undefined) return placementOf(leased);
    let placement = this.#items.get(id);
    if (placement === undefined) {
      const owner = await this.#store.getItemOwner(id);
      if (owner === undefined) return undefined;
      const queue = await this.queue(owner.queueId);
      if (queue === undefined) return undefined;
      placement = { entity: owner.entity, queue, createdBy: owner.createdBy };
      this.#items.set(id, placement);
    }
    return placement;
  }

  /** An agent's entity and queues never change after registration. */
  async agent(id: string): Promise<AgentRef | undefined> {
    let ref = this.#agents.get(id);
    if (ref === undefined) {
      const agent = await this.#store.getAgent(id);
      if (agent === undefined) return undefined;
      this.#agents.set(id, (ref = { id, entity: agent.entity, queues: agent.queues }));
    }
    return ref;
  }
}

function placementOf(item: QueueItem): Placement {
  return {
    entity: item.spec.entity || item.entity,
    queue: { id: item.queueId, entity: item.entity, name: item.queue },
    createdBy: item.createdBy,
  };
}
