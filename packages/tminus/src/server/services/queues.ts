import { LaunchError } from '@tminus/sdk';
import { CreateQueueRequest, type Queue } from '@tminus/sdk/protocol';

import { BoundedMap } from '../../lib/bounded-map.js';
import { newId } from '../ids.js';
import { topics } from '../notifier.js';
import type { AuthContext } from '../auth.js';
import type { ServiceContext } from './context.js';
import type { EntityService } from './entities.js';

export class QueueService {
  readonly #ctx: ServiceContext;
  readonly #entities: EntityService;
  // Queues are never changed or deleted (the API has no such call), so a queue once found is cached:
  // every enqueue and every claim looks its queues up.
  readonly #found = new BoundedMap<string, Queue>(10_000);

  constructor(ctx: ServiceContext, entities: EntityService) {
    this.#ctx = ctx;
    this.#entities = entities;
  }

  async create(auth: AuthContext, input: CreateQueueRequest): Promise<Queue> {
    const request = CreateQueueRequest.parse(input);
    const entity = request.entity ?? auth.entity;
    await this.#entities.requireExists(entity);
    const now = this.#ctx.now();
    const queue = await this.#ctx.store.createQueue({
      id: newId('q'),
      entity,
      name: request.name,
      resource: request.resource,
      config: request.config,
      templateVariables: request.templateVariables,
      prioritization: request.prioritization,
      maxAttempts: request.maxAttempts,
      createdAt: new Date(now).toISOString(),
      createdAtMs: now,
    });
    this.#ctx.notifier.notify(topics.anyQueue);
    return queue;
  }

  async list(auth: AuthContext, entity?: string): Promise<Queue[]> {
    const owner = entity ?? auth.entity;
    return this.#ctx.store.listQueues(owner);
  }

  /** The queue, or a NOT_FOUND that lists the entity's queues. */
  async get(entity: string, name: string): Promise<Queue> {
    const key = `${entity}/${name}`;
    const cached = this.#found.get(key);
    if (cached !== undefined) return cached;
    const queue = await this.#ctx.store.getQueue(entity, name);
    if (queue !== undefined) {
      this.#found.set(key, queue);
      return queue;
    }
    const names = (await this.#ctx.store.listQueues(entity)).map((q) => q.name);
    throw new LaunchError('NOT_FOUND', `Queue "${name}" not found for entity "${entity}"`, {
      hint: `Create it with \`tminus queue create ${name} -e ${entity}\`${names.length ? `, or use one of: ${names.join(', ')}` : ''}.`,
      details: { entity, queue: name, available: names },
    });
  }
}
