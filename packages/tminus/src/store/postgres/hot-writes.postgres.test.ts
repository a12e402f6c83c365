/**
 * The plans of the hot writes, on a real PostgreSQL. Their connections use generic plans made once,
 * at first use — possibly on empty tables. A plan that is fine on an empty table but scans as the
 * table grows (a sequential scan, or the wrong partial index) makes every claim, ack or report slower
 * as the queue's history grows; this happened (FIRST_ACK used the index of leased items). So each
 * statement is planned here on empty tables, as a fresh server would, and must look rows up by key.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import {
  postgresAvailable,
  TEST_DATABASE_URL as url,
} from '../../../../../test/helpers/postgres.js';

import { CLAIM, FENCED_UPDATE, FIRST_ACK, HOT_CONNECTION_SETTINGS } from './hot-writes.js';
import { openPostgresStore } from './postgres-store.js';

const schema = `t_${randomBytes(6).toString('hex')}`;

async function connect(options?: string): Promise<pg.Client | undefined> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 2_000,
    ...(options ? { options } : {}),
  });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

// The one availability check (test/helpers/postgres.ts); then the admin connection the test uses.
const admin = (await postgresAvailable()) ? await connect() : undefined;

/** The generic plan of `text` for these argument literals, on a hot-path connection. */
async function genericPlan(
  client: pg.Client,
  name: string,
  text: string,
  args: string,
): Promise<string> {
  await client.query(`PREPARE ${name} AS ${text}`);
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(${args})`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

if (admin !== undefined) {
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describe('hot writes: plans made on empty tables look rows up by key', () => {
    it('claim by the pending-items index, first ack by item id, report by run id; no sequential scan', async () => {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const store = await openPostgresStore({ connectionString: url, schema, max: 1 });
      await store.migrate();
      await store.close();
      const client = (await connect(
        [`-c search_path=${schema}`, ...HOT_CONNECTION_SETTINGS].join(' '),
      ))!;
      try {
        expect(
          (await client.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]
            ?.plan_cache_mode,
        ).toBe('force_generic_plan');
        const claim = await genericPlan(client, 'claim', CLAIM, `'{a}', '{t}', '{1}', 'q', 1`);
        const ack = await genericPlan(
          client,
          'ack',
          FIRST_ACK,
          `'{i}', '{t}', '{r}', '{e}', '{p}', '{NULL}', '{starting}', '{q}', '{j}', '{"{}"}', '{"{}"}', '{NULL}', '{1}', '{1}', 'leased', '{NULL}'`,
        );
        const report = await genericPlan(
          client,
          'report',
          FENCED_UPDATE,
          `'{r}', '{t}', '{running}', '{finished}', '{0}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{5}', '{NULL}'`,
        );
        for (const plan of [claim, ack, report]) expect(plan).not.toContain('Seq Scan');
        expect(claim).toContain('queue_items_claim');
        expect(claim).toContain('queue_items_pkey');
        expect(ack).toContain('queue_items_id_key');
        expect(ack).not.toContain('queue_items_leased');
        expect(report).toContain('runs_id_key');
        expect(report).not.toMatch(/runs_(active_lease|starting)/);
      } finally {
        await client.end();
      }
    });
  });
} else {
  describe('hot writes: plans', () => {
    it.skip(`skipped: no PostgreSQL answered at ${url} (set TMINUS_TEST_DATABASE_URL)`, () =>
      undefined);
  });
}
