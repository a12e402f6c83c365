import type { ServiceContext } from './context.js';

export const DEFAULT_QUEUE = 'default';

/** Entities and projects come into existence on first use; every entity has a `default` queue. */
export class EntityService {
  readonly #ctx: ServiceContext;
  readonly #known = new Set<string>();
  // Entities and projects are never deleted, so once seen they need no more writes.
  readonly #knownProjects = new Set<string>();

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  async ensure(entity: string): Promise<void> {
    if (this.#known.has(entity)) return;
    const now = this.#ctx.now();
    await this.#ctx.store.ensureEntity(entity, now);
    if ((await this.#ctx.store.getQueue(entity, DEFAULT_QUEUE)) === undefined) {
      try {
        await this.#ctx.store.createQueue({
          id: `q_${entity}_${DEFAULT_QUEUE}`,
          entity,
          name: DEFAULT_QUEUE,
          resource: 'local-process',
          config: {},
          templateVariables: {},
          prioritization: true,
          maxAttempts: 1,
          createdAt: new Date(now).toISOString(),
          createdAtMs: now,
        });
      } catch {
        // Created concurrently by another request: fine.
      }
    }
    this.#known.add(entity);
  }

  async ensureProject(entity: string, project: string): Promise<void> {
    const key = `${entity}/${project}`;
    if (this.#knownProjects.has(key)) return;
    await this.ensure(entity);
    await this.#ctx.store.ensureProject(entity, project, this.#ctx.now());
    this.#knownProjects.add(key);
  }
}
