/**
 * @module Query helpers of the PostgreSQL adapter. Every statement is prepared once per connection
 * (named after its text) and afterwards only bound and executed: the hot paths run thousands of times
 * a second, and parsing and planning each anew cost the database about as much CPU as running it
 * (prepared statements gave +45 % lifecycles/s with 8 agents; docs/benchmarks.md).
 */
import type pg from 'pg';

export type Db = pg.Pool | pg.PoolClient;

/** Plain functions (not methods), so they can be destructured. */
export interface Queries {
  readonly rows: <T>(db: Db, text: string, params?: unknown[]) => Promise<T[]>;
  readonly one: <T>(db: Db, text: string, params?: unknown[]) => Promise<T | undefined>;
  /** Rows changed. */
  readonly count: (db: Db, text: string, params?: unknown[]) => Promise<number>;
  readonly exec: (db: Db, text: string, params: unknown[]) => Promise<void>;
}

export function createQueries(): Queries {
  // Statement texts are constants of this adapter, so the map stays small.
  const names = new Map<string, string>();
  const prepared = (text: string, values: unknown[]): pg.QueryConfig => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `tminus_${names.size}`));
    return { name, text, values };
  };
  const rows = async <T>(db: Db, text: string, params: unknown[] = []) =>
    (await db.query(prepared(text, params))).rows as T[];
  return {
    rows,
    one: async <T>(db: Db, text: string, params: unknown[] = []) =>
      (await rows<T>(db, text, params))[0],
    count: async (db, text, params = []) => (await db.query(prepared(text, params))).rowCount ?? 0,
    exec: async (db, text, params) => void (await db.query(prepared(text, params))),
  };
}

export const isUniqueViolation = (error: unknown) =>
  (error as { code?: string } | null)?.code === '23505';
