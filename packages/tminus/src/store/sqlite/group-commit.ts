/**
 * @module Group commit for better-sqlite3, with the fsync off the event loop.
 *
 * Writes issued in the same turn of the event loop (concurrent HTTP requests, concurrent agents) run
 * at once inside one open transaction — each in its own savepoint, so a failing write undoes only
 * itself — and the transaction is committed on `setImmediate`. Every write's promise resolves only
 * once its transaction is on disk: an acknowledged write survives kill -9 and power loss.
 *
 * Why not `synchronous=FULL`: it fsyncs inside COMMIT, on the only thread the server has (~170 µs
 * here, a third of the server's CPU under load, docs/benchmarks.md). Instead the connection runs with
 * `synchronous=NORMAL` — COMMIT writes the WAL without syncing — and this class fsyncs the WAL file
 * on libuv's thread pool and only then resolves the batch. That is the durability of FULL (the
 * committed frames are on disk before anyone is told; checkpoints sync the WAL and the database
 * themselves under NORMAL), while the next batch executes during the fsync. One fsync is in flight at
 * a time.
 *
 * Writes begun while an fsync is in flight stay in one open transaction, committed when that fsync
 * ends, not at the end of each turn: they could not be acknowledged before the next fsync anyway, and
 * every COMMIT writes each page it changed to the WAL whole (one enqueue changes ~5: the table, three
 * indexes, the AUTOINCREMENT counter), so ten COMMITs of one enqueue write several times the pages of
 * one COMMIT of ten. (At 16 concurrent enqueues, COMMIT was a fifth of the server's CPU.) A write that
 * waits only for COMMIT (`until: 'committed'`) is not held back: its turn ends with a COMMIT, as
 * without an fsync in flight.
 *
 * Reads run at once on the same connection, so they may see writes not yet on disk: `durable()` is
 * the barrier to pass before handing such a read out.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

import type Database from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Resolved at COMMIT, without waiting for the fsync (see `write`). */
  readonly atCommit?: true;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  /** A transaction function: opens a savepoint when a transaction is open (it always is here). */
  readonly #atomically: (fn: () => unknown) => unknown;
  /** The WAL file (`undefined` for an in-memory database, which has nothing to sync). */
  readonly #walPath: string | undefined;
  #walFd: number | undefined;
  /** Waiters of the open (uncommitted) transaction. */
  #open: Waiter[] | undefined;
  /** The open transaction waits for the fsync in flight to end (see the module comment). */
  #deferred = false;
  /** A write of the open transaction waits for its COMMIT only: commit it at the end of this turn. */
  #commitThisTurn = false;
  /** Waiters of committed transactions not yet covered by an fsync. */
  #committed: Waiter[] = [];
  /** Waiters of the fsync in flight, if one is. */
  #syncing: Waiter[] | undefined;

  readonly #fsync: typeof fdatasync;

  /**
   * @param options.fsync the asynchronous sync (tests slow it down to watch the ordering). `fdatasync`,
   * as SQLite itself uses on Linux: the data and the file size, not the timestamps.
   */
  constructor(db: Database.Database, options: { fsync?: typeof fdatasync } = {}) {
    this.#fsync = options.fsync ?? fdatasync;
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#atomically = db.transaction((fn: () => unknown) => fn());
    this.#walPath = db.memory ? undefined : `${db.name}-wal`;
    // COMMIT no longer syncs; #sync does, before any write is acknowledged.
    db.pragma('synchronous = NORMAL');
  }

  /**
   * Runs `fn` now, atomically (all or nothing); resolves with its result once it is on disk — or,
   * with `until: 'committed'`, once committed (visible, not yet synced): only for writes whose loss in
   * a crash is harmless because a later durable, fenced write depends on them (a claim: if lost, the
   * item is pending again and the agent's ack is refused).
   * (`async` only turns throws into rejections: the body runs synchronously, at the call.)
   */
  async write<T>(fn: () => T, until: 'synced' | 'committed' = 'synced'): Promise<T> {
    let result: T;
    const batch = this.#openBatch();
    try {
      result = this.#atomically(fn) as T;
    } catch (error) {
      // Some errors (SQLITE_FULL, I/O errors) make SQLite roll back the whole transaction, not
      // just this write's savepoint: the batch's earlier writes are then lost too.
      if (!this.#db.inTransaction) this.#fail(this.#takeOpen(), error);
      throw error;
    }
    if (until === 'committed' && !this.#commitThisTurn) {
      this.#commitThisTurn = true;
      if (this.#deferred) this.#endOfTurn(batch);
    }
    return new Promise<T>((resolve, reject) =>
      batch.push({
        resolve: () => resolve(result),
        reject,
        ...(until === 'committed' ? { atCommit: true as const } : {}),
      }),
    );
  }

  /**
   * Resolves once every write committed or begun so far is on disk. Reads run at once and may see
   * writes not yet synced; a caller about to hand such a read out waits on this first (the HTTP
   * layer does, for every read-only request). A read followed by a write needs no wait: the write's
   * own sync covers everything committed before it.
   */
  durable(): Promise<void> {
    const pending = this.#open ?? (this.#committed.length > 0 ? this.#committed : this.#syncing);
    if (pending === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  }

  /** Commits the open batch and syncs it now, blocking (before `close()` or a migration). */
  flush(): void {
    this.#commitOpen();
    if (this.#committed.length === 0) return;
    const waiters = this.#committed;
    this.#committed = [];
    try {
      const fd = this.#wal();
      if (fd !== undefined) fdatasyncSync(fd);
    } catch (error) {
      this.#fail(waiters, error);
      throw error;
    }
    for (const w of waiters) w.resolve();
  }

  /** Closes the WAL descriptor; call after `flush()`, before closing the database. */
  close(): void {
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
  }

  #openBatch(): Waiter[] {
    if (this.#open !== undefined) {
      if (this.#db.inTransaction) return this.#open;
      this.#fail(this.#takeOpen(), new Error('SQLite rolled back the open write batch'));
    }
    // IMMEDIATE takes the write lock up front, so another process cannot make this batch fail
    // half-way with SQLITE_BUSY; `busy_timeout` bounds the wait for it.
    this.#begin.run();
    const batch: Waiter[] = [];
    this.#open = batch;
    this.#endOfTurn(batch);
    return batch;
  }

  /**
   * At the end of this turn of the event loop: COMMIT the batch and sync it — or, while an fsync is
   * in flight and nobody waits for the COMMIT itself, leave it open for the fsync's end to commit.
   */
  #endOfTurn(batch: Waiter[]): void {
    this.#deferred = false;
    setImmediate(() => {
      if (this.#open !== batch || this.#deferred) return; // committed already (flush, an fsync's end), or deferred
      if (this.#syncing !== undefined && !this.#commitThisTurn) {
        this.#deferred = true;
        return;
      }
      this.#commitAndSync();
    });
  }

  #commitAndSync(): void {
    try {
      this.#commitOpen();
    } catch {
      return; // already delivered to the batch's waiters
    }
    this.#sync();
  }

  #takeOpen(): Waiter[] {
    const waiters = this.#open ?? [];
    this.#open = undefined;
    this.#deferred = false;
    this.#commitThisTurn = false;
    return waiters;
  }

  /** COMMIT (no fsync): the batch's waiters now wait for the next sync. Throws if COMMIT fails. */
  #commitOpen(): void {
    if (this.#open === undefined) return;
    const waiters = this.#takeOpen();
    try {
      this.#commit.run();
    } catch (error) {
      // A failed COMMIT (disk full, I/O error) fails every write of the batch, and may leave the
      // transaction open: undo it, so that the connection stays usable.
      this.#fail(waiters, error);
      if (this.#db.inTransaction) this.#rollback.run();
      throw error;
    }
    for (const w of waiters) {
      if (w.atCommit) w.resolve();
      else this.#committed.push(w);
    }
  }

  /** Fsyncs the WAL on the thread pool, then resolves every write committed before it started. */
  #sync(): void {
    if (this.#syncing !== undefined || this.#committed.length === 0) return;
    const waiters = this.#committed;
    this.#committed = [];
    let fd: number | undefined;
    try {
      fd = this.#wal();
    } catch (error) {
      this.#fail(waiters, error);
      return;
    }
    if (fd === undefined) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.#syncing = waiters;
    this.#fsync(fd, (error) => {
      this.#syncing = undefined;
      if (error) this.#fail(waiters, error);
      else for (const w of waiters) w.resolve();
      if (this.#deferred)
        this.#commitAndSync(); // the writes begun during this fsync
      else this.#sync(); // batches committed during this fsync
    });
  }

  #wal(): number | undefined {
    if (this.#walPath === undefined) return undefined;
    // Opened after the first COMMIT, when SQLite has surely created it. The connection keeps it open
    // (SQLite deletes the WAL only when the last connection closes), so the descriptor stays valid.
    this.#walFd ??= openSync(this.#walPath, 'r');
    return this.#walFd;
  }

  #fail(waiters: readonly Waiter[], error: unknown): void {
    for (const w of waiters) w.reject(error);
  }
}
