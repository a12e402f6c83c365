/**
 * @module Who may do what: users, teams (entities with members in roles) and API keys. The rules
 * themselves live in the server (`server/access/`); this is their wire form.
 */
import * as z from 'zod';

import { Name, ObjectId, Timestamp } from './common.js';

/** `viewer` reads; `member` launches and manages its own runs; `admin` manages queues, members and keys. */
export const ROLES = ['viewer', 'member', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** A user key acts as its user; an agent key runs an entity's queues; a run token reads its one run. */
export const CredentialKind = z.enum(['user', 'agent', 'run']);
export type CredentialKind = z.infer<typeof CredentialKind>;

export const User = z.object({
  /** Also the name of the user's personal entity. */
  name: z.string(),
  /** Server-wide admin: every entity as `admin`, and user management. */
  admin: z.boolean(),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const CreateUserRequest = z.object({
  name: Name,
  admin: z.boolean().default(false),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

export const Membership = z.object({ entity: z.string(), role: Role });
export type Membership = z.infer<typeof Membership>;

export const EntityKind = z.enum(['user', 'team']);
export const Team = z.object({
  name: z.string(),
  kind: EntityKind,
  createdAt: Timestamp,
});
export type Team = z.infer<typeof Team>;

export const CreateTeamRequest = z.object({ name: Name });

export const Member = z.object({ user: z.string(), role: Role });
export type Member = z.infer<typeof Member>;

export const SetMemberRequest = z.object({ role: Role });

/** A key as it is listed: never the key itself, only its first characters. */
export const ApiKeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['user', 'agent']),
  /** The first characters of the key, to tell keys apart. */
  prefix: z.string(),
  /** The user the key belongs to (for an agent key: who created it). */
  user: z.string(),
  /** A user key's default entity; an agent key's one entity. */
  entity: z.string(),
  /** An agent key's queues (of `entity`); null for a user key. */
  queues: z.array(z.string()).nullable(),
  createdAt: Timestamp,
  revokedAt: Timestamp.nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const CreateKeyRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    name: z.string().min(1).max(64).default('cli'),
  }),
  z.object({
    kind: z.literal('agent'),
    name: z.string().min(1).max(64).default('agent'),
    /** Default: the caller's default entity. */
    entity: Name.optional(),
    queues: z.array(Name).min(1, 'an agent key needs at least one queue').max(100),
  }),
]);
export type CreateKeyRequest = z.input<typeof CreateKeyRequest>;

/** A new key, shown once: only its hash is stored. */
export const CreatedKey = z.object({ key: ApiKeyInfo, apiKey: z.string() });
export type CreatedKey = z.infer<typeof CreatedKey>;

export const CreatedUser = z.object({ user: User, key: ApiKeyInfo, apiKey: z.string() });
export type CreatedUser = z.infer<typeof CreatedUser>;

export const KeyIdParams = z.object({ id: ObjectId });

export const WhoAmI = z.object({
  /** Default entity of the credential: a user's personal entity, an agent key's entity, a run's entity. */
  entity: z.string(),
  keyName: z.string(),
  kind: CredentialKind,
  /** The user (for an agent key: who created it); null for a run token. */
  user: z.string().nullable(),
  admin: z.boolean(),
  /** Entities the user belongs to, with the role in each. */
  memberships: z.array(Membership),
  /** An agent key's queues; null otherwise. */
  queues: z.array(z.string()).nullable(),
  /** A run token's run; null otherwise. */
  runId: z.string().nullable(),
  serverVersion: z.string(),
});
export type WhoAmI = z.infer<typeof WhoAmI>;
