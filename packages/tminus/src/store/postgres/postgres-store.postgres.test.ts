/**
 * The store contract against a real PostgreSQL: `TMINUS_TEST_DATABASE_URL`, else the local server on
 * 127.0.0.1:5432 (user postgres, database test). Each test gets a fresh schema. Skipped, saying so,
 * only when no server answers.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { describeStoreContract } from '../store-contract.js';
import { openPostgresStore } from './postgres-store.js';

const url = process.env.TMINUS_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
const schemas: string[] = [];

async function freshSchema(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  await client.end();
  schemas.push(name);
  return name;
}

if (available) {
  describeStoreContract('postgres', async () =>
    openPostgresStore({ connectionString: url, schema: await freshSchema(), max: 4 }),
  );
  describe('change feed (LISTEN/NOTIFY)', () => {
    it('delivers a topic published by one store to another store on the same database', async () => {
      const schema = await freshSchema();
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

  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const name of schemas) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await client.end();
  });
} else {
  describe('Store contract: postgres', () => {
    it.skip(`skipped: no PostgreSQL answered at ${url} (set TMINUS_TEST_DATABASE_URL)`, () =>
      undefined);
  });
}
