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
