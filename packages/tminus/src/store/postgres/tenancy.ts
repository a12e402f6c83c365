/**
 * @module The PostgreSQL adapter's users, entities, memberships, API keys and the ownership facts the
 * server's access checks read. Multi-row changes run in one transaction (`tx`).
 */
import type { Queue, Role } from '@tminus/sdk/protocol';
import type pg from 'pg';

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
import { type Db, isUniqueViolation, type Queries } from './pg-queries.js';

export interface TenancyDeps {
  readonly pool: pg.Pool;
  readonly queries: Queries;
  readonly tx: <T>(work: (c: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** Inserts a queue on the given connection (shared with `createQueue`). */
  readonly insertQueue: (db: Db, queue: Queue & { readonly createdAtMs: number }) => Promise<Queue>;
}

const KEY_INSERT = `INSERT INTO api_keys (${API_KEY_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const MEMBER_UPSERT = `INSERT INTO memberships (entity, user_name, role, created_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (entity, user_name) DO UPDATE SET role = excluded.role`;
/** Users and entities share one namespace; the lock makes the check and the insert one step. */
const NAME_LOCK = 7_447_002;

export function postgresTenancy({ pool, queries, tx, insertQueue }: TenancyDeps): TenancyPort {
  const { rows, one, count, exec } = queries;
  const keyBy = async (column: 'hash' | 'id', value: string) => {
    const r = await one<ApiKeyRow>(
      pool,
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE ${column} = $1`,
      [value],
    );
    return r && toApiKeyRecord(r);
  };
  const insertKey = async (db: Db, k: ApiKeyRecord) => {
    try {
      await exec(db, KEY_INSERT, [...apiKeyArgs(k)]);
    } catch (error) {
      if (isUniqueViolation(error)) throw keyExists(k.id);
      throw error;
    }
  };
  const claimName = async (c: pg.PoolClient, name: string) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [NAME_LOCK]);
    const taken = await one(
      c,
      `SELECT 1 FROM users WHERE name = $1 UNION ALL SELECT 1 FROM entities WHERE name = $1`,
      [name],
    );
    if (taken !== undefined) throw nameTaken(name);
  };
  const insertEntity = async (c: pg.PoolClient, e: NewEntity) => {
    await exec(c, `INSERT INTO entities (name, kind, created_at) VALUES ($1, $2, $3)`, [
      e.name,
      e.kind,
      e.now,
    ]);
    await insertQueue(c, e.defaultQueue);
    if (e.admin !== null) await exec(c, MEMBER_UPSERT, [e.name, e.admin, 'admin', e.now]);
  };

  return {
    async countApiKeys() {
      return (await one<{ n: number }>(pool, `SELECT count(*)::int AS n FROM api_keys`))!.n;
    },
    createApiKey: (k) => insertKey(pool, k),
    findApiKeyByHash: (hash) => keyBy('hash', hash),
    getApiKey: (id) => keyBy('id', id),
    async listApiKeys(filter) {
      const found =
        'all' in filter
          ? await rows<ApiKeyRow>(
              pool,
              `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id`,
            )
          : await rows<ApiKeyRow>(
              pool,
              `SELECT ${API_KEY_COLUMNS} FROM api_keys
               WHERE user_name = $1 OR (kind = 'agent' AND entity = ANY($2::text[]))
               ORDER BY created_at DESC, id`,
              [filter.user, [...filter.adminOf]],
            );
      return found.map(toApiKeyRecord);
    },
    async revokeApiKey(id, now) {
      return (
        (await count(
          pool,
          `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
          [now, id],
        )) === 1
      );
    },

    createUser: (user, entity, key) =>
      tx(async (c) => {
        await claimName(c, user.name);
        if (entity.name !== user.name) await claimName(c, entity.name);
        await exec(c, `INSERT INTO users (name, admin, created_at) VALUES ($1, $2, $3)`, [
          user.name,
          user.admin ? 1 : 0,
          user.createdAt,
        ]);
        await insertEntity(c, entity);
        await insertKey(c, key);
      }),
    async getUser(name) {
      const r = await one<UserRow>(pool, `SELECT * FROM users WHERE name = $1`, [name]);
      return r && toUserRecord(r);
    },
    async listUsers() {
      return (await rows<UserRow>(pool, `SELECT * FROM users ORDER BY name`)).map(toUserRecord);
    },
    createEntity: (e) =>
      tx(async (c) => {
        await claimName(c, e.name);
        await insertEntity(c, e);
      }),
    async getEntity(name) {
      const r = await one<EntityRow>(
        pool,
        `SELECT name, kind, created_at FROM entities WHERE name = $1`,
        [name],
      );
      return r && toEntityRecord(r);
    },
    async ensureProject(entity, project, now) {
      await exec(
        pool,
        `INSERT INTO projects (entity, name, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [entity, project, now],
      );
    },
    async setMembership(entity, user, role, now) {
      await exec(pool, MEMBER_UPSERT, [entity, user, role, now]);
    },
    async removeMembership(entity, user) {
      return (
        (await count(pool, `DELETE FROM memberships WHERE entity = $1 AND user_name = $2`, [
          entity,
          user,
        ])) === 1
      );
    },
    listMemberships: (user) =>
      rows<{ entity: string; role: Role }>(
        pool,
        `SELECT entity, role FROM memberships WHERE user_name = $1 ORDER BY entity`,
        [user],
      ),
    listMembers: (entity) =>
      rows<{ user: string; role: Role }>(
        pool,
        `SELECT user_name AS user, role FROM memberships WHERE entity = $1 ORDER BY user_name`,
        [entity],
      ),

    async addBlobRef(digest, entity) {
      await exec(
        pool,
        `INSERT INTO blob_refs (digest, entity) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [digest, entity],
      );
    },
    async blobReadableBy(digest, entities) {
      const found =
        entities === null
          ? await one(pool, `SELECT 1 FROM blob_refs WHERE digest = $1`, [digest])
          : await one(
              pool,
              `SELECT 1 FROM blob_refs WHERE digest = $1 AND entity = ANY($2::text[])`,
              [digest, [...entities]],
            );
      return found !== undefined;
    },

    async getRunOwner(id) {
      const r = await one<RunOwnerRow>(
        pool,
        `SELECT ${RUN_OWNER_COLUMNS} FROM runs WHERE id = $1`,
        [id],
      );
      return r && toRunOwner(r);
    },
    async getItemOwner(id) {
      const r = await one<ItemOwnerRow>(
        pool,
        `SELECT id, queue_id, spec::json->>'entity' AS entity, created_by FROM queue_items
         WHERE id = $1`,
        [id],
      );
      return r && toItemOwner(r);
    },
  };
}
