/**
 * @module Users, teams and their members, API keys, and `whoami`. Who may call each of these is
 * decided in access/policies.ts; this holds the rules of the things themselves (a personal entity has
 * one member, a team keeps an admin, an agent key names existing queues). Every change to keys or
 * memberships is announced on the `access` topic, so cached credentials are resolved again.
 */
import { LaunchError } from '@tminus/sdk';
import type {
  ApiKeyInfo,
  CreatedKey,
  CreatedUser,
  CreateKeyRequest,
  Member,
  Role,
  Team,
  User,
  WhoAmI,
} from '@tminus/sdk/protocol';

import type { KeyFilter, UserRecord } from '../../store/store.js';
import { type KeySpec, mintKey, toKeyInfo } from '../access/keys.js';
import type { Principal, UserPrincipal } from '../access/principal.js';
import { topics } from '../notifier.js';
import { userNotFound } from '../not-found.js';
import type { ServiceContext } from './context.js';
import type { EntityService } from './entities.js';
import type { QueueService } from './queues.js';

const iso = (ms: number) => new Date(ms).toISOString();
const toUser = (u: UserRecord): User => ({
  name: u.name,
  admin: u.admin,
  createdAt: iso(u.createdAt),
});

export class AccessService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly entities: EntityService,
    private readonly queues: QueueService,
    private readonly version: string,
  ) {}

  whoami(who: Principal): WhoAmI {
    return {
      entity: who.entity,
      keyName: who.keyName,
      kind: who.kind,
      user: who.kind === 'run' ? null : who.user,
      admin: who.kind === 'user' && who.admin,
      memberships:
        who.kind === 'user' ? [...who.roles].map(([entity, role]) => ({ entity, role })) : [],
      queues: who.kind === 'agent' ? [...who.queues] : null,
      runId: who.kind === 'run' ? who.runId : null,
      serverVersion: this.version,
    };
  }

  /** The user, their personal entity (with a `default` queue) and their first key, in one step. */
  async createUser(name: string, admin: boolean, key?: string): Promise<CreatedUser> {
    const now = this.ctx.now();
    const user = { name, admin, createdAt: now };
    const minted = mintKey(
      { kind: 'user', name: 'cli', user: name, entity: name, queues: null },
      now,
      key,
    );
    await this.ctx.store.createUser(
      user,
      this.entities.newEntity(name, 'user', name),
      minted.record,
    );
    return { user: toUser(user), key: toKeyInfo(minted.record), apiKey: minted.apiKey };
  }

  async listUsers(): Promise<User[]> {
    return (await this.ctx.store.listUsers()).map(toUser);
  }

  async createTeam(who: UserPrincipal, name: string): Promise<Team> {
    const entity = this.entities.newEntity(name, 'team', who.user);
    await this.ctx.store.createEntity(entity);
    this.#changed();
    return { name, kind: 'team', createdAt: iso(entity.now) };
  }

  async listMembers(entity: string): Promise<Member[]> {
    await this.entities.requireExists(entity);
    return this.ctx.store.listMembers(entity);
  }

  async setMember(entity: string, user: string, role: Role): Promise<Member> {
    await this.#team(entity);
    if ((await this.ctx.store.getUser(user)) === undefined) throw userNotFound(user);
    if (role !== 'admin') await this.#keepAnAdmin(entity, user);
    await this.ctx.store.setMembership(entity, user, role, this.ctx.now());
    this.#changed();
    return { user, role };
  }

  async removeMember(entity: string, user: string): Promise<boolean> {
    await this.#team(entity);
    await this.#keepAnAdmin(entity, user);
    const removed = await this.ctx.store.removeMembership(entity, user);
    if (removed) this.#changed();
    return removed;
  }

  /** Only teams have members to manage: a personal entity belongs to its user alone. */
  async #team(entity: string): Promise<void> {
    await this.entities.requireExists(entity);
    const found = await this.ctx.store.getEntity(entity);
    if (found?.kind !== 'team') {
      throw new LaunchError(
        'INVALID_ARGUMENT',
        `"${entity}" is a user's personal entity; only teams have members`,
        { hint: `Create a team to share queues: \`tminus team create NAME\`.` },
      );
    }
  }

  /** A team never loses its last admin (nobody could manage it any more). */
  async #keepAnAdmin(entity: string, leaving: string): Promise<void> {
    const admins = (await this.ctx.store.listMembers(entity)).filter((m) => m.role === 'admin');
    if (admins.length === 1 && admins[0]?.user === leaving) {
      throw new LaunchError('CONFLICT', `${leaving} is the last admin of "${entity}"`, {
        hint: `Make someone else an admin first: \`tminus team add ${entity} USER --role admin\`.`,
      });
    }
  }

  async createKey(who: UserPrincipal, request: CreateKeyRequest): Promise<CreatedKey> {
    const now = this.ctx.now();
    let minted;
    if (request.kind === 'user') {
      minted = mintKey(
        {
          kind: 'user',
          name: request.name ?? 'cli',
          user: who.user,
          entity: who.entity,
          queues: null,
        },
        now,
      );
    } else {
      const entity = request.entity ?? who.entity;
      await this.entities.requireExists(entity);
      // Each queue must exist: a NOT_FOUND lists the entity's queues.
      for (const name of request.queues) await this.queues.get(entity, name);
      const queues = [...new Set(request.queues)];
      minted = mintKey(
        { kind: 'agent', name: request.name ?? 'agent', user: who.user, entity, queues },
        now,
      );
    }
    await this.ctx.store.createApiKey(minted.record);
    return { key: toKeyInfo(minted.record), apiKey: minted.apiKey };
  }

  /** Server admins see every key; others their own and the agent keys of entities they administer. */
  async listKeys(who: UserPrincipal): Promise<ApiKeyInfo[]> {
    const filter: KeyFilter = who.admin
      ? { all: true }
      : {
          user: who.user,
          adminOf: [...who.roles].filter(([, role]) => role === 'admin').map(([e]) => e),
        };
    return (await this.ctx.store.listApiKeys(filter)).map(toKeyInfo);
  }

  /** A key asked for by the server's operator, not a caller (see `RunningServer.issueKey`). */
  async issueKey(spec: KeySpec, replace = false): Promise<string> {
    if ((await this.ctx.store.getUser(spec.user)) === undefined) throw userNotFound(spec.user);
    if (replace) {
      const earlier = await this.ctx.store.listApiKeys({ user: spec.user, adminOf: [] });
      for (const key of earlier) {
        const same = key.kind === spec.kind && key.name === spec.name && key.user === spec.user;
        if (same && key.revokedAt === null)
          await this.ctx.store.revokeApiKey(key.id, this.ctx.now());
      }
    }
    const minted = mintKey(spec, this.ctx.now());
    await this.ctx.store.createApiKey(minted.record);
    this.#changed();
    return minted.apiKey;
  }

  async revokeKey(id: string): Promise<boolean> {
    const revoked = await this.ctx.store.revokeApiKey(id, this.ctx.now());
    this.#changed();
    return revoked;
  }

  #changed(): void {
    this.ctx.notifier.notify(topics.access);
  }
}
