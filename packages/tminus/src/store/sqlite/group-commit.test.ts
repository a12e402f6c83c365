/**
 * GroupCommit on a real SQLite file. Power loss cannot be staged here, so the fsync is the one seam:
 * a held fsync (the real one, called when the test releases it) shows what waits for the disk.
 */
import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GroupCommit } from './group-commit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Retries `check` until it holds: a released fsync ends on the thread pool whenever a (possibly busy)
 * machine gets to it, so what follows it is awaited, not given a fixed time.
 */
async function eventually(check: () => void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

describe('GroupCommit with a held fsync (the disk is the boundary)', () => {
  let dir: string;
  let db: Database.Database;
  let gc: GroupCommit;
  let held: (() => void)[];
  let syncs: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tminus-gc-'));
    db = new Database(join(dir, 'db.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT)');
    held = [];
    syncs = 0;
    gc = new GroupCommit(db, {
      fsync: ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
        syncs++;
        held.push(() => fdatasync(fd, done));
      }) as typeof fdatasync,
    });
  });
  afterEach(() => {
    gc.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) =>
    gc.write(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes);
  const settled = (p: Promise<unknown>) => {
    const state = { done: false };
    void p.then(() => (state.done = true));
    return state;
  };

  it('switches the connection to synchronous=NORMAL: it syncs itself', () => {
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('a write resolves only after the fsync that follows its COMMIT', async () => {
    const a = settled(insert('a'));
    await tick();
    await tick();
    // Committed (another connection would see it) but not acknowledged: the fsync is held.
    expect(db.inTransaction).toBe(false);
    expect(syncs).toBe(1);
    expect(a.done).toBe(false);
    held.shift()!();
    await eventually(() => expect(a.done).toBe(true));
  });

  it("a write acknowledged at 'committed' resolves at COMMIT, before the held fsync", async () => {
    const synced = settled(insert('a'));
    const committed = settled(
      gc.write(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('b').changes, 'committed'),
    );
    await tick();
    await tick();
    expect(committed.done).toBe(true);
    expect(synced.done).toBe(false);
    held.shift()!();
    await eventually(() => expect(synced.done).toBe(true));
  });

  it('writes begun during an fsync share the next one', async () => {
    const first = settled(insert('1'));
    await tick();
    await tick();
    expect(syncs).toBe(1);
    const later = [settled(insert('2')), settled(insert('3'))];
    await tick();
    await tick();
    const last = settled(insert('4'));
    await tick();
    await tick();
    expect(syncs).toBe(1); // one fsync in flight at a time
    held.shift()!();
    await eventually(() => expect(first.done).toBe(true));
    expect([...later, last].map((s) => s.done)).toEqual([false, false, false]);
    expect(syncs).toBe(2); // the three later writes, two batches, one fsync
    held.shift()!();
    await eventually(() => expect([...later, last].map((s) => s.done)).toEqual([true, true, true]));
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4 });
  });

  it('writes begun during an fsync stay in one open transaction, committed once that fsync ends', async () => {
    void insert('1');
    await tick();
    await tick();
    expect(syncs).toBe(1);
    const later = [settled(insert('2'))];
    await tick();
    later.push(settled(insert('3')));
    await tick();
    await tick();
    // Three turns, no COMMIT: another connection sees only the first write.
    expect(db.inTransaction).toBe(true);
    const other = new Database(join(dir, 'db.sqlite'), { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
      held.shift()!();
      // The fsync's end committed both at once and started the fsync that covers them.
      await eventually(() => expect(db.inTransaction).toBe(false));
      expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    } finally {
      other.close();
    }
    expect(syncs).toBe(2);
    expect(later.map((s) => s.done)).toEqual([false, false]);
    held.shift()!();
    await eventually(() => expect(later.map((s) => s.done)).toEqual([true, true]));
  });

  it("a write acknowledged at 'committed' is not held back by an fsync in flight: its turn ends with a COMMIT", async () => {
    void insert('1');
    await tick();
    await tick();
    const synced = settled(insert('2'));
    await tick();
    await tick();
    expect(db.inTransaction).toBe(true); // deferred behind the held fsync
    const committed = settled(
      gc.write(() => db.prepare('INSERT INTO t (v) VALUES (?)').run('3').changes, 'committed'),
    );
    await tick();
    await tick();
    expect(committed.done).toBe(true);
    expect(db.inTransaction).toBe(false);
    expect(synced.done).toBe(false); // committed with it, but on disk only after the next fsync
    expect(syncs).toBe(1);
    held.shift()!();
    await eventually(() => expect(syncs).toBe(2));
    held.shift()!();
    await eventually(() => expect(synced.done).toBe(true));
  });

  it('durable() waits for every write committed or begun so far, and no longer', async () => {
    void insert('x');
    await tick();
    await tick();
    // Committed, its fsync held: a read sees it, and durable() is the barrier before handing it out.
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    const barrier = settled(gc.durable());
    void insert('y'); // begun after the barrier was asked for: not waited on
    await tick();
    expect(barrier.done).toBe(false);
    held.shift()!();
    await eventually(() => expect(barrier.done).toBe(true));
    expect(syncs).toBe(2); // y's fsync is in flight, the barrier did not wait for it
    const second = settled(gc.durable());
    await tick();
    expect(second.done).toBe(false);
    held.shift()!();
    await eventually(() => expect(second.done).toBe(true));
    await expect(gc.durable()).resolves.toBeUndefined();
  });

  it('flush() commits and syncs at once, blocking', async () => {
    const a = settled(insert('a'));
    gc.flush();
    expect(db.inTransaction).toBe(false);
    await tick();
    expect(a.done).toBe(true);
    expect(syncs).toBe(0); // the blocking fsync, not the held one
  });
});
