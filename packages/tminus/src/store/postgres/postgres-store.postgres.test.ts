/**
 * The store contract against a real PostgreSQL: `TMINUS_TEST_DATABASE_URL`, else the local server on
 * 127.0.0.1:5432 (user postgres, database test). Each test gets a fresh schema. Skipped, saying so,
 * only when no server answers.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import {
  postgresAvailable,
  TEST_DATABASE_URL as url,
  testSchemas,
} from '../../../../../test/helpers/postgres.js';
import { describeStoreContract } from '../store-contract.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { openPostgresStore } from './postgres-store.js';

const available = await postgresAvailable();
const schemas = testSchemas();

if (available) {
  describeStoreContract('postgres', async () =>
    openPostgresStore({ connectionString: url, schema: await schemas.fresh(), max: 4 }),
  );
  describe('change feed (LISTEN/NOTIFY)', () => {
    it('delivers a topic published by one store to another store on the same database', async () => {
      const schema = await schemas.fresh();
      const a = await openPostgresStore({ connectionString: url, schema, max: 2 });
      const b = await openPostgresStore({ connectionString: url, schema, max: 2 });
      const received: string[] = [];
      const arrived = new Promise<void>((resolve) => {
        void b
          .changes!.subscribe((topic) => {
            received.push(topic);
            if (topic === 'queue:q_1') resolve();
          })
          .then((unsubscribe) => {
            a.changes!.publish('queue:q_1');
            void arrived.then(unsubscribe);
          });
      });
      await arrived;
      expect(received).toContain('queue:q_1');
      await a.close();
      await b.close();
    });
  });

  describe('migrations', () => {
    it('a database migrated by a newer tminus is refused, saying so and what to do; nothing is changed', async () => {
      const schema = await schemas.fresh();
      const store = await openPostgresStore({ connectionString: url, schema, max: 1 });
      await store.migrate();
      await store.migrate(); // idempotent
      const known = POSTGRES_MIGRATIONS.length;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const versions = async () =>
        (
          await client.query<{ version: number }>(
            `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
          )
        ).rows.map((row) => row.version);
      expect(await versions()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      await client.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)`,
        [known + 1],
      );
      await expect(store.migrate()).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `This database is at schema version ${known + 1}, newer than this tminus knows (${known})`,
        hint: 'Upgrade tminus, or point it at another database (--database / TMINUS_DATABASE_URL).',
      });
      expect(await versions()).toEqual([...POSTGRES_MIGRATIONS.map((m) => m.version), known + 1]);
      await client.end();
      await store.close();
    });
  });

  afterAll(() => schemas.dropAll());
} else {
  describe('Store contract: postgres', () => {
    it.skip(`skipped: no PostgreSQL answered at ${url} (set TMINUS_TEST_DATABASE_URL)`, () =>
      undefined);
  });
}
