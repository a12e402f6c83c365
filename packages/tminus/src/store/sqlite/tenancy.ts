/**
 * @module The SQLite adapter's users, entities, memberships, API keys and the ownership facts the
 * server's access checks read. Each method body runs synchronously inside one write or read.
 */
import type { Queue, Role } from '@tminus/sdk/protocol';

import { keyExists, nameTaken } from '../errors.js';
import {
  API_KEY_COLUMNS,
  type ApiKeyRow,
  apiKeyArgs,
  type EntityRow,
  type ItemOwnerRow,
  RUN_OWNER_COLUMNS,
  type RunOwnerRow,
  toApiKeyRecord,
  toEntityRecord,
  toItemOwner,
  toRunOwner,
  toUserRecord,
  type UserRow,
} from '../rows.js';
import type { ApiKeyRecord, NewEntity, TenancyPort } from '../store.js';
import type { Statements } from './statements.js';

export interface TenancyDeps {
  readonly sql: Statements;
  readonly write: <T>(fn: () => T) => Promise<T>;
  readonly read: <T>(fn: () => T) => Promise<T>;
  /** Inserts a queue inside the caller's write (shared with `createQueue`). */
  readonly insertQueue: (queue: Queue & { readonly createdAtMs: number }) => unknown;
  readonly isUniqueViolation: (error: unknown) => boolean;
}

export function sqliteTenancy({
  sql,
  write,
  read,
  insertQueue,
  isUniqueViolation,
}: TenancyDeps): TenancyPort {
  const { get, all, run } = sql;
  const keyRow = (where: string, value: string) => {
    const r = get<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE ${where} = ?`, value);
    return r && toApiKeyRecord(r);
  };
  const insertKey = (k: ApiKeyRecord) => {
    try {
      run(
        `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...apiKeyArgs(k),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw keyExists(k.id);
    }
  };
  const nameFree = (name: string) =>
    get(`SELECT 1 FROM users WHERE name = ?`, name) === undefined &&
    get(`SELECT 1 FROM entities WHERE name = ?`, name) === undefined;
  const insertEntity = (e: NewEntity) => {
    if (!nameFree(e.name)) throw nameTaken(e.name);
    run(`INSERT INTO entities (name, kind, created_at) VALUES (?, ?, ?)`, e.name, e.kind, e.now);
    insertQueue(e.defaultQueue);
    if (e.admin !== null) upsertMember(e.name, e.admin, 'admin', e.now);
  };
  const upsertMember = (entity: string, user: string, role: Role, now: number) =>
    run(
      `INSERT INTO memberships (entity, user_name, role, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (entity, user_name) DO UPDATE SET role = excluded.role`,
      entity,
      user,
      role,
      now,
    );

  return {
    countApiKeys: () => read(() => get<{ n: number }>(`SELECT count(*) AS n FROM api_keys`)!.n),
    createApiKey: (k) => write(() => insertKey(k)),
    findApiKeyByHash: (hash) => read(() => keyRow('hash', hash)),
    getApiKey: (id) => read(() => keyRow('id', id)),
    listApiKeys: (filter) =>
      read(() =>
        ('all' in filter
          ? all<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id`)
          : all<ApiKeyRow>(
              `SELECT ${API_KEY_COLUMNS} FROM api_keys
               WHERE user_name = ?
                 OR (kind = 'agent' AND entity IN (SELECT value FROM json_each(?)))
               ORDER BY created_at DESC, id`,
              filter.user,
              JSON.stringify(filter.adminOf),
            )
        ).map(toApiKeyRecord),
      ),
    revokeApiKey: (id, now) =>
      write(
        () =>
          run(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, id)
            .changes === 1,
      ),

    createUser: (user, entity, key) =>
      write(() => {
        if (!nameFree(user.name)) throw nameTaken(user.name);
        run(
          `INSERT INTO users (name, admin, created_at) VALUES (?, ?, ?)`,
          user.name,
          user.admin ? 1 : 0,
          user.createdAt,
        );
        // The user row is in: the entity of the same name is checked against entities only.
        if (get(`SELECT 1 FROM entities WHERE name = ?`, entity.name) !== undefined)
          throw nameTaken(entity.name);
        run(
          `INSERT INTO entities (name, kind, created_at) VALUES (?, ?, ?)`,
          entity.name,
          entity.kind,
          entity.now,
        );
        insertQueue(entity.defaultQueue);
        if (entity.admin !== null) upsertMember(entity.name, entity.admin, 'admin', entity.now);
        insertKey(key);
      }),
    getUser: (name) =>
      read(() => {
        const r = get<UserRow>(`SELECT * FROM users WHERE name = ?`, name);
        return r && toUserRecord(r);
      }),
    listUsers: () =>
      read(() => all<UserRow>(`SELECT * FROM users ORDER BY name`).map(toUserRecord)),
    createEntity: (e) => write(() => insertEntity(e)),
    getEntity: (name) =>
      read(() => {
        const r = get<EntityRow>(
          `SELECT name, kind, created_at FROM entities WHERE name = ?`,
          name,
        );
        return r && toEntityRecord(r);
      }),
    ensureProject: (entity, project, now) =>
      write(
        () =>
          void run(
            `INSERT OR IGNORE INTO projects (entity, name, created_at) VALUES (?, ?, ?)`,
            entity,
            project,
            now,
          ),
      ),
    setMembership: (entity, user, role, now) =>
      write(() => void upsertMember(entity, user, role, now)),
    removeMembership: (entity, user) =>
      write(
        () =>
          run(`DELETE FROM memberships WHERE entity = ? AND user_name = ?`, entity, user)
            .changes === 1,
      ),
    listMemberships: (user) =>
      read(() =>
        all<{ entity: string; role: Role }>(
          `SELECT entity, role FROM memberships WHERE user_name = ? ORDER BY entity`,
          user,
        ),
      ),
    listMembers: (entity) =>
      read(() =>
        all<{ user: string; role: Role }>(
          `SELECT user_name AS user, role FROM memberships WHERE entity = ? ORDER BY user_name`,
          entity,
        ),
      ),

    addBlobRef: (digest, entity) =>
      write(
        () =>
          void run(
            `INSERT OR IGNORE INTO blob_refs (digest, entity) VALUES (?, ?)`,
            digest,
            entity,
          ),
      ),
    blobReadableBy: (digest, entities) =>
      read(
        () =>
          (entities === null
            ? get(`SELECT 1 FROM blob_refs WHERE digest = ?`, digest)
            : get(
                `SELECT 1 FROM blob_refs
                 WHERE digest = ? AND entity IN (SELECT value FROM json_each(?))`,
                digest,
                JSON.stringify(entities),
              )) !== undefined,
      ),

    getRunOwner: (id) =>
      read(() => {
        const r = get<RunOwnerRow>(`SELECT ${RUN_OWNER_COLUMNS} FROM runs WHERE id = ?`, id);
        return r && toRunOwner(r);
      }),
    getItemOwner: (id) =>
      read(() => {
        const r = get<ItemOwnerRow>(
          `SELECT id, queue_id, json_extract(spec, '$.entity') AS entity, created_by
           FROM queue_items WHERE id = ?`,
          id,
        );
        return r && toItemOwner(r);
      }),
  };
}
