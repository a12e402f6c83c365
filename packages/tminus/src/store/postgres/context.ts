/**
 * @module What every module of the PostgreSQL adapter is given: its connection pools, the prepared
 * query helpers, a transaction runner, and the row → wire mapping that adds a queue's cached name.
 */
import type { QueueItem, Run } from '@tminus/sdk/protocol';
import type pg from 'pg';

import type { BareItemRow, BareRunRow } from '../rows.js';
import type { HotWrites } from './hot-writes.js';
import type { Db, Queries } from './pg-queries.js';

export interface QueueRef {
  readonly name: string;
  readonly entity: string;
}

export interface PostgresContext {
  /** Synchronous commits: every write whose answer promises durability. */
  readonly pool: pg.Pool;
  /**
   * Asynchronous commits (`synchronous_commit=off`): only writes whose loss in a crash is harmless
   * (a claim lost leaves its item pending and the agent's durable, fenced ack refused; a sign of life).
   */
  readonly lazy: pg.Pool;
  /** The batched hot writes (decision 0013). */
  readonly hot: HotWrites;
  readonly queries: Queries;
  /** Runs `work` in one transaction on one connection of `pool`. */
  readonly tx: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** A queue's name and entity, cached (queues are never renamed or deleted). */
  readonly queueRef: (queueId: string) => Promise<QueueRef | undefined>;
  readonly itemOf: (row: BareItemRow) => Promise<QueueItem>;
  readonly runOf: (row: BareRunRow) => Promise<Run>;
}

/** `$from, $from+1, …` for `count` values. */
export const params = (count: number, from = 1): string =>
  Array.from({ length: count }, (_, index) => `$${from + index}`).join(', ');

/** Params: run id, stream, text, ts. The line goes after the run's last one. */
const APPEND_LOG = `INSERT INTO run_logs (run_id, seq, stream, text, ts)
  SELECT $1, coalesce(max(seq), -1) + 1, $2, $3, $4 FROM run_logs WHERE run_id = $1`;

/** One line at the end of a run's log, inside the caller's transaction (a system line). */
export async function appendLog(
  { queries }: Pick<PostgresContext, 'queries'>,
  db: Db,
  runId: string,
  line: { readonly stream: string; readonly text: string; readonly ts: number },
): Promise<void> {
  await queries.exec(db, APPEND_LOG, [runId, line.stream, line.text, line.ts]);
}
