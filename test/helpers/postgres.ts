import { randomBytes } from 'node:crypto';

import pg from 'pg';

/** The PostgreSQL the tests use: TMINUS_TEST_DATABASE_URL, else the machine's local server. */
export const TEST_DATABASE_URL =
  process.env.TMINUS_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement as admin; false when no PostgreSQL answers (the caller then skips, saying so). */
export async function adminQuery(sql: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 2_000,
  });
  try {
    await client.connect();
    await client.query(sql);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL of another database on the same server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Whether the test PostgreSQL answers: the one check every PostgreSQL test skips on, saying so. */
export function postgresAvailable(): Promise<boolean> {
  return adminQuery('SELECT 1');
}

/**
 * Fresh schemas on the test database, one per call (a store opened with `schema` keeps its tables
 * there), and `dropAll` for the suite's `afterAll`.
 */
export function testSchemas(): { fresh(): Promise<string>; dropAll(): Promise<void> } {
  const made: string[] = [];
  return {
    async fresh() {
      const name = `t_${randomBytes(6).toString('hex')}`;
      if (!(await adminQuery(`CREATE SCHEMA ${name}`)))
        throw new Error(`Could not create schema ${name} at ${TEST_DATABASE_URL}`);
      made.push(name);
      return name;
    },
    async dropAll() {
      for (const name of made.splice(0)) await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
}
