import { LaunchError } from '@tminus/sdk';

import { BoundedMap } from '../../lib/bounded-map.js';
import type { NewEntity } from '../../store/store.js';
import type { ServiceContext } from './context.js';

export const DEFAULT_QUEUE = 'default';

/**
 * Entities are made on purpose — a user's personal entity with the user, a team by `team create` —
 * each with a `default` queue; nothing is created by a read or by naming an entity. Projects come into
 * existence on their first job or launch inside an existing entity.
 */
export class EntityService {
  readonly #ctx: ServiceContext;
  // Entities and projects are never deleted, so once seen they need no more reads or writes.
  readonly #known = new BoundedMap<string, true>(10_000);
  readonly #knownProjects = new BoundedMap<string, true>(10_000);

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /** What `createUser`/`createEntity` store: the entity, its default queue, its first admin. */
  newEntity(name: string, kind: 'user' | 'team', admin: string | null): NewEntity {
    const now = this.#ctx.now();
    return {
      name,
      kind,
      admin,
      now,
      defaultQueue: {
        id: `q_${name}_${DEFAULT_QUEUE}`,
        entity: name,
        name: DEFAULT_QUEUE,
        resource: 'local-process',
        config: {},
        templateVariables: {},
        prioritization: true,
        maxAttempts: 1,
        createdAt: new Date(now).toISOString(),
        createdAtMs: now,
      },
    };
  }

  /** Throws NOT_FOUND unless the entity exists (callers without access were refused before). */
  async requireExists(entity: string): Promise<void> {
    if (this.#known.has(entity)) return;
    if ((await this.#ctx.store.getEntity(entity)) === undefined) {
      throw new LaunchError('NOT_FOUND', `Entity "${entity}" does not exist`, {
        hint: `Create a team with \`tminus team create ${entity}\`, or a user with \`tminus user create ${entity}\`.`,
        details: { entity },
      });
    }
    this.#known.set(entity, true);
  }

  async ensureProject(entity: string, project: string): Promise<void> {
    const key = `${entity}/${project}`;
    if (this.#knownProjects.has(key)) return;
    await this.requireExists(entity);
    await this.#ctx.store.ensureProject(entity, project, this.#ctx.now());
    this.#knownProjects.set(key, true);
  }
}
