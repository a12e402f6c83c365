/**
 * @module The SQLite adapter of the `Store` port (better-sqlite3, the embedded default). The
 * synchronous driver stays inside this adapter; the port is asynchronous. WAL and group commit
 * (`group-commit.ts`): a write resolves only once its transaction has been fsynced, so an acknowledged
 * enqueue survives kill -9 and power loss, while concurrent writers share one fsync, made off the event loop.
 * Every method body runs synchronously, so each is atomic with respect to the others.
 *
 * This module opens the database and puts the adapter together; each aggregate has a module of its
 * own (queues.ts, items.ts, runs.ts, logs.ts, agents.ts, tenancy.ts, metrics.ts, lease-sweeps.ts,
 * run-retry.ts, run-waiting.ts), given the same `SqliteContext`.
 */
import Database from 'better-sqlite3';

import { BoundedMap } from '../../lib/bounded-map.js';
import { type BareItemRow, type BareRunRow, toItem, toRun } from '../rows.js';
import type { Store } from '../store.js';
import { sqliteAgents } from './agents.js';
import { isUniqueViolation, type QueueRef, type SqliteContext } from './context.js';
import { GroupCommit } from './group-commit.js';
import { sqliteItems } from './items.js';
import { leaseSweeps } from './lease-sweeps.js';
import { sqliteLogs } from './logs.js';
import { sqliteMetrics } from './metrics.js';
import { applySqliteMigrations } from './migrations.js';
import { insertQueue, sqliteQueues } from './queues.js';
import { runRetry } from './run-retry.js';
import { runWaiting } from './run-waiting.js';
import { sqliteRuns } from './runs.js';
import { statementCache } from './statements.js';
import { sqliteTenancy } from './tenancy.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
}

/** Params: id. */
const QUEUE_REF = `SELECT name, entity FROM queues WHERE id = ?`;

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const db = new Database(options.path);
  db.pragma('busy_timeout = 5000'); // first: switching to WAL needs a lock another process may hold
  db.pragma('journal_mode = WAL');
  db.pragma('cache_size = -65536'); // 64 MiB (default 2 MiB): random-key indexes of a deep queue stay in memory
  db.pragma('foreign_keys = ON');
  const groupCommit = new GroupCommit(db);
  const sql = statementCache(db);

  // Queues are never renamed or deleted (the port has no such method), so their names can be cached:
  // wire items and runs carry the queue's name, and this spares a join on every hot-path write.
  const queueNames = new BoundedMap<string, QueueRef>(10_000);
  const queueRef = (queueId: string) => {
    let ref = queueNames.get(queueId);
    if (ref === undefined) {
      ref = sql.get<QueueRef>(QUEUE_REF, queueId);
      if (ref !== undefined) queueNames.set(queueId, ref);
    }
    return ref;
  };
  const context: SqliteContext = {
    sql,
    write: (work) => groupCommit.write(work),
    writeCommitted: (work) => groupCommit.write(work, 'committed'),
    read: async (work) => work(),
    queueRef,
    itemOf: (row: BareItemRow) => {
      const queue = queueRef(row.queue_id);
      return toItem({ ...row, queue_name: queue?.name ?? '', queue_entity: queue?.entity ?? '' });
    },
    runOf: (row: BareRunRow) => {
      const queueName = row.queue_id === null ? null : (queueRef(row.queue_id)?.name ?? null);
      return toRun({ ...row, queue_name: queueName });
    },
  };
  const { write, read, runOf } = context;

  return {
    durable: () => groupCommit.durable(),
    async migrate() {
      groupCommit.flush();
      // Bookkeeping only (`applied_at`): the one clock read in this adapter.
      applySqliteMigrations(db, Date.now());
    },
    async close() {
      if (!db.open) return;
      try {
        groupCommit.flush();
      } finally {
        groupCommit.close();
        db.close();
      }
    },
    ...sqliteTenancy({
      sql,
      write,
      read,
      insertQueue: (queue) => insertQueue(context, queue),
      isUniqueViolation,
    }),
    ...sqliteMetrics({ sql, write, read }),
    ...sqliteQueues(context),
    ...sqliteItems(context),
    ...sqliteRuns(context),
    ...sqliteLogs(context),
    ...sqliteAgents(context),
    ...leaseSweeps(sql, write),
    ...runWaiting(sql, write, runOf),
    ...runRetry(sql, write, runOf),
  };
}
