/**
 * @module The PostgreSQL adapter of the `Store` port (`pg`). Same schema and row mapping as SQLite;
 * the hot paths use PostgreSQL's tools: claims with `FOR UPDATE SKIP LOCKED` (concurrent claimers never
 * wait on each other's rows), batched hot writes (hot-writes.ts), `LISTEN/NOTIFY` between replicas
 * (change-feed.ts), migrations under an advisory lock (replicas may start together).
 *
 * This module opens the pools and puts the adapter together; each aggregate has a module of its own
 * (queues.ts, items.ts, runs.ts, logs.ts, agents.ts, tenancy.ts, metrics.ts, lease-sweeps.ts,
 * run-retry.ts, run-waiting.ts), given the same `PostgresContext`.
 */
import { LaunchError } from '@tminus/sdk';
import pg from 'pg';

import { BoundedMap } from '../../lib/bounded-map.js';
import { type BareItemRow, type BareRunRow, toItem, toRun } from '../rows.js';
import type { Store } from '../store.js';
import { postgresAgents } from './agents.js';
import { createChangeFeed } from './change-feed.js';
import type { PostgresContext, QueueRef } from './context.js';
import { createHotWrites, HOT_CONNECTION_SETTINGS } from './hot-writes.js';
import { postgresItems } from './items.js';
import { leaseSweeps } from './lease-sweeps.js';
import { postgresLogs } from './logs.js';
import { postgresMetrics } from './metrics.js';
import { applyPostgresMigrations } from './migrations.js';
import { createPgBlobStore } from './pg-blob-store.js';
import { createQueries } from './pg-queries.js';
import { insertQueue, postgresQueues } from './queues.js';
import { runRetry } from './run-retry.js';
import { runWaiting } from './run-waiting.js';
import { postgresRuns } from './runs.js';
import { postgresTenancy } from './tenancy.js';

/** Params: id. */
const QUEUE_REF = `SELECT name, entity FROM queues WHERE id = $1`;

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** Tables live in this schema (`search_path`); tests use one per test. */
  readonly schema?: string;
  /** Connections of the main pool (default 10). */
  readonly max?: number;
}

function bigintAsNumber(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  return oid === 20 ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const newPool = (settings: readonly string[], max: number) => {
    const schema = options.schema ? [`-c search_path=${options.schema}`] : [];
    const all = [...schema, ...settings];
    return new pg.Pool({
      connectionString: options.connectionString,
      max,
      ...(all.length > 0 ? { options: all.join(' ') } : {}),
      // Timestamps and sequence numbers are BIGINT; they fit in a JS number.
      types: { getTypeParser: bigintAsNumber as typeof pg.types.getTypeParser },
    });
  };
  const pool = newPool([], options.max ?? 10);
  // Writes whose loss in a crash is harmless commit without waiting for the WAL flush: claims (a lost
  // lease leaves the item pending, and the agent's durable, fenced ack is refused), signs of life, and
  // notifications. Everything else commits synchronously on `pool`.
  // Generic plans for the batched hot writes (see HOT_CONNECTION_SETTINGS); other statements
  // (optional filters) keep per-value plans on `pool`.
  const lazy = newPool(['-c synchronous_commit=off', ...HOT_CONNECTION_SETTINGS], 4);
  const hotPool = newPool(HOT_CONNECTION_SETTINGS, 4);
  const pools = [pool, lazy, hotPool];
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await Promise.all(pools.map((each) => each.end()));
    throw new LaunchError(
      'UNAVAILABLE',
      `Could not connect to PostgreSQL: ${(error as Error).message}`,
      {
        hint: 'Check the --database / TMINUS_DATABASE_URL connection string and that the server is running.',
      },
    );
  }
  const queries = createQueries();
  const tx = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  // Queues are never renamed or deleted (the port has no such method): their names can be cached.
  const queueNames = new BoundedMap<string, QueueRef>(10_000);
  const queueRef = async (queueId: string) => {
    let ref = queueNames.get(queueId);
    if (ref === undefined) {
      ref = await queries.one<QueueRef>(pool, QUEUE_REF, [queueId]);
      if (ref !== undefined) queueNames.set(queueId, ref);
    }
    return ref;
  };
  const context: PostgresContext = {
    pool,
    lazy,
    hot: createHotWrites(hotPool, lazy, queries),
    queries,
    tx,
    queueRef,
    itemOf: async (row: BareItemRow) => {
      const queue = await queueRef(row.queue_id);
      return toItem({ ...row, queue_name: queue?.name ?? '', queue_entity: queue?.entity ?? '' });
    },
    runOf: async (row: BareRunRow) => {
      const queueName =
        row.queue_id === null ? null : ((await queueRef(row.queue_id))?.name ?? null);
      return toRun({ ...row, queue_name: queueName });
    },
  };

  return {
    changes: createChangeFeed(options.connectionString, lazy, queries),
    blobs: createPgBlobStore(pool),
    async migrate() {
      // Bookkeeping only (`applied_at`): the one clock read in this adapter.
      await tx((client) => applyPostgresMigrations(client, Date.now()));
    },
    async close() {
      await Promise.all(pools.map((each) => each.end()));
    },
    ...postgresTenancy({
      pool,
      queries,
      tx,
      insertQueue: (db, queue) => insertQueue(context, db, queue),
    }),
    ...postgresMetrics({ pool, queries, tx }),
    ...postgresQueues(context),
    ...postgresItems(context),
    ...postgresRuns(context),
    ...postgresLogs(context),
    ...postgresAgents(context),
    ...leaseSweeps(context),
    ...runWaiting(pool, queries, context.runOf),
    ...runRetry(context),
  };
}
