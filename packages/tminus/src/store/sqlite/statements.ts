/**
 * @module Prepared statements for the SQLite adapter, prepared once on first use (the SQL text is the
 * cache key): the store's hot paths (enqueue, claim, ack, run updates) then only bind and step.
 */
import type Database from 'better-sqlite3';

/** Plain functions (not methods), so they can be destructured. */
export interface Statements {
  readonly get: <T>(sql: string, ...args: unknown[]) => T | undefined;
  readonly all: <T>(sql: string, ...args: unknown[]) => T[];
  readonly run: (sql: string, ...args: unknown[]) => Database.RunResult;
}

export function statementCache(db: Database.Database): Statements {
  const cache = new Map<string, Database.Statement>();
  const st = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (s === undefined) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return {
    get: <T>(sql: string, ...args: unknown[]) => st(sql).get(...args) as T | undefined,
    all: <T>(sql: string, ...args: unknown[]) => st(sql).all(...args) as T[],
    run: (sql: string, ...args: unknown[]) => st(sql).run(...args),
  };
}

/** The sequence number the next log line of a run gets: consecutive from 0. */
export function nextLogSeq(sql: Statements, runId: string): number {
  return (
    (sql.get<{ n: number | null }>(`SELECT max(seq) AS n FROM run_logs WHERE run_id = ?`, runId)!
      .n ?? -1) + 1
  );
}

export function insertLog(
  sql: Statements,
  runId: string,
  seq: number,
  stream: string,
  text: string,
  ts: number,
): void {
  sql.run(
    `INSERT INTO run_logs (run_id, seq, stream, text, ts) VALUES (?, ?, ?, ?, ?)`,
    runId,
    seq,
    stream,
    text,
    ts,
  );
}
