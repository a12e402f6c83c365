/**
 * A throwaway PostgreSQL database for the PostgreSQL throughput run: created on the server named by
 * TMINUS_BENCH_DATABASE_URL (default: the machine's local server, as the tests use), dropped after.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

export const BENCH_ADMIN_URL =
  process.env.TMINUS_BENCH_DATABASE_URL ||
  process.env.TMINUS_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({
    connectionString: BENCH_ADMIN_URL,
    connectionTimeoutMillis: 2_000,
  });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh database, or `undefined` (with the reason) when no PostgreSQL answers. */
export async function createScratchDatabase(): Promise<ScratchDatabase | { skipped: string }> {
  const name = `tminus_bench_${randomBytes(5).toString('hex')}`;
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch (error) {
    return {
      skipped: `no PostgreSQL at ${BENCH_ADMIN_URL}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const url = new URL(BENCH_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * The baseline for PostgreSQL throughput, in the same run: single-row INSERT commits per second
 * (`synchronous_commit=on`, as tminus's acks and run reports use) with `clients` connections. A
 * lifecycle needs two such commits (ack, final state), so half of this bounds lifecycles/s.
 */
export async function commitRate(url: string, clients: number, total: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  try {
    await pool.query('CREATE TABLE bench_commits (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)');
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next++ < total) await pool.query('INSERT INTO bench_commits (v) VALUES ($1)', ['x']);
      }),
    );
    return Math.round(total / ((performance.now() - started) / 1000));
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_commits').catch(() => undefined);
    await pool.end();
  }
}
