/**
 * @module Group commit for better-sqlite3. With `synchronous=FULL` every COMMIT waits for an fsync
 * (~0.2 ms), which caps one connection at a few thousand commits a second however idle the CPU is.
 * Writes issued in the same turn of the event loop (concurrent HTTP requests, concurrent agents) are
 * therefore run at once inside one open transaction — each in its own savepoint, so a failing write
 * undoes only itself — and the transaction is committed on `setImmediate`. Every write's promise
 * resolves only after that COMMIT: an acknowledged write is durable, as the `Store` port promises.
 *
 * Reads run at once on the same connection, so they can see writes of the open batch; such reads
 * wait for the commit too, so nothing not yet durable is ever handed out.
 */
import type Database from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  /** A transaction function: opens a savepoint when a transaction is open (it always is here). */
  readonly #atomically: (fn: () => unknown) => unknown;
  #waiters: Waiter[] = [];
  #batchOpen = false;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#atomically = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Runs `fn` now, atomically (all or nothing); resolves with its result once it is committed.
   * (`async` only turns throws into rejections: the body runs synchronously, at the call.)
   */
  async write<T>(fn: () => T): Promise<T> {
    let result: T;
    try {
      this.#open();
      result = this.#atomically(fn) as T;
    } catch (error) {
      // Some errors (SQLITE_FULL, I/O errors) make SQLite roll back the whole transaction, not
      // just this write's savepoint: the batch's earlier writes are then lost too.
      if (this.#batchOpen && !this.#db.inTransaction) this.#abandon(error);
      throw error;
    }
    return this.#afterCommit(result);
  }

  /** Runs a read now; if a batch is open (the read may see its writes), resolves after its commit. */
  async read<T>(fn: () => T): Promise<T> {
    const result = fn();
    return this.#batchOpen ? this.#afterCommit(result) : result;
  }

  /** Commits the open batch now (before `close()` or a migration). Throws if the COMMIT fails. */
  flush(): void {
    if (!this.#batchOpen) return;
    try {
      this.#commit.run();
    } catch (error) {
      // A failed COMMIT (disk full, I/O error) fails every write of the batch, and may leave the
      // transaction open: undo it, so that the connection stays usable.
      this.#abandon(error);
      if (this.#db.inTransaction) this.#rollback.run();
      throw error;
    }
    this.#batchOpen = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }

  #open(): void {
    if (this.#batchOpen) {
      if (this.#db.inTransaction) return;
      this.#abandon(new Error('SQLite rolled back the open write batch'));
    }
    // IMMEDIATE takes the write lock up front, so another process cannot make this batch fail
    // half-way with SQLITE_BUSY; `busy_timeout` bounds the wait for it.
    this.#begin.run();
    this.#batchOpen = true;
    setImmediate(() => {
      try {
        this.flush();
      } catch {
        // Already delivered to the batch's waiters.
      }
    });
  }

  #abandon(error: unknown): void {
    this.#batchOpen = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }

  #afterCommit<T>(result: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push({ resolve: () => resolve(result), reject });
    });
  }
}
