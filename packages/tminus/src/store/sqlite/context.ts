/**
 * @module What every module of the SQLite adapter is given: the statement cache, the three ways to
 * run a method body (each runs synchronously, so it is atomic with respect to the others), and the
 * row → wire mapping that adds a queue's cached name.
 */
import type { QueueItem, Run } from '@tminus/sdk/protocol';
import Database from 'better-sqlite3';

import type { BareItemRow, BareRunRow } from '../rows.js';
import type { Statements } from './statements.js';

export interface QueueRef {
  readonly name: string;
  readonly entity: string;
}

export interface SqliteContext {
  readonly sql: Statements;
  /** Resolves once the write's transaction is on disk (group commit). */
  readonly write: <T>(work: () => T) => Promise<T>;
  /**
   * Resolves at COMMIT, before its fsync: only for writes whose loss in a crash is harmless (a claim
   * lost leaves its item pending and the agent's durable, fenced ack refused; a sign of life).
   */
  readonly writeCommitted: <T>(work: () => T) => Promise<T>;
  /** Reads do not wait for the fsync of what they see; `Store.durable()` is the barrier. */
  readonly read: <T>(work: () => T) => Promise<T>;
  /** A queue's name and entity, cached (queues are never renamed or deleted). */
  readonly queueRef: (queueId: string) => QueueRef | undefined;
  readonly itemOf: (row: BareItemRow) => QueueItem;
  readonly runOf: (row: BareRunRow) => Run;
}

/** `?, ?, …` for `count` values. */
export const marks = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Database.SqliteError &&
  /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(error.code);
