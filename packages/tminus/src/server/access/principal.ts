/**
 * @module Who is calling: the three kinds of credential and what each carries. A user key acts as its
 * user in the entities they belong to; an agent key runs some queues of one entity; a run token reads
 * its one run. Pure: no I/O.
 */
import type { Role } from '@tminus/sdk/protocol';

interface Common {
  /** The key's id, or the run id for a run token (idempotency keys are scoped by it). */
  readonly keyId: string;
  readonly keyName: string;
  /** Where calls that name no entity go: the user's personal entity, the agent key's, the run's. */
  readonly entity: string;
}

export interface UserPrincipal extends Common {
  readonly kind: 'user';
  readonly user: string;
  /** Server-wide admin: `admin` in every entity. */
  readonly admin: boolean;
  readonly roles: ReadonlyMap<string, Role>;
}

export interface AgentPrincipal extends Common {
  readonly kind: 'agent';
  /** Who created the key. */
  readonly user: string;
  readonly queues: readonly string[];
}

export interface RunPrincipal extends Common {
  readonly kind: 'run';
  readonly runId: string;
}

export type Principal = UserPrincipal | AgentPrincipal | RunPrincipal;

const RANK: Readonly<Record<Role, number>> = { viewer: 1, member: 2, admin: 3 };

/** The caller's role in an entity; undefined when it has none (or is not a user). */
export function roleIn(who: Principal, entity: string): Role | undefined {
  if (who.kind !== 'user') return undefined;
  return who.admin ? 'admin' : who.roles.get(entity);
}

export function atLeast(role: Role | undefined, need: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[need];
}

/** Entities where the caller holds at least `need` (every entity is meant for a server admin: null). */
export function entitiesWith(who: Principal, need: Role): readonly string[] | null {
  if (who.kind !== 'user') return who.kind === 'agent' && need === 'viewer' ? [who.entity] : [];
  if (who.admin) return null;
  return [...who.roles].filter(([, role]) => atLeast(role, need)).map(([entity]) => entity);
}
