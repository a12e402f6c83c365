import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { NewQueueItem, Store } from '../store.js';
import { describeStoreContract } from '../store-contract.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
const freshPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-sqlite-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite (memory)', () => openSqliteStore({ path: ':memory:' }));
describeStoreContract('sqlite (file)', () => openSqliteStore({ path: freshPath() }));

const item = (id: string, extra: Partial<NewQueueItem> = {}): NewQueueItem => ({
  id,
  queueId: 'q_q',
  priority: 2,
  spec: {},
  templateVariables: {},
  projectQueue: 'pq',
  warnings: [],
  createdBy: null,
  idempotencyKey: null,
  now: 1_000,
  ...extra,
});
const queue = (store: Store, id = 'q_q', name = 'q') =>
  store.createQueue({
    id,
    entity: 'e',
    name,
    resource: 'local-process',
    config: {},
    templateVariables: {},
    prioritization: false,
    maxAttempts: 1,
    createdAt: new Date(1).toISOString(),
    createdAtMs: 1,
  });

describe('sqlite file store', () => {
  it('keeps data across reopen; migrate() twice is harmless and records each migration once', async () => {
    const path = freshPath();
    const a = await openSqliteStore({ path });
    await a.migrate();
    await a.migrate();
    await queue(a);
    await a.enqueue(item('i1'));
    await a.close();
    await a.close(); // idempotent

    const b = await openSqliteStore({ path });
    await b.migrate();
    expect(await b.getQueue('e', 'q')).toMatchObject({ id: 'q_q' });
    expect(await b.getQueueItem('i1')).toMatchObject({ id: 'i1', queue: 'q', state: 'pending' });
    await b.close();

    const raw = new Database(path, { readonly: true });
    const versions = raw
      .prepare(`SELECT version FROM schema_migrations ORDER BY version`)
      .all() as { version: number }[];
    expect(versions.map((v) => v.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('a database migrated by a newer tminus is refused, saying so and what to do', async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    await store.migrate();
    await store.close();
    const known = SQLITE_MIGRATIONS.length;
    const raw = new Database(path);
    raw
      .prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`)
      .run(known + 1);
    raw.close();
    const reopened = await openSqliteStore({ path });
    await expect(reopened.migrate()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `This database is at schema version ${known + 1}, newer than this tminus knows (${known})`,
      hint: 'Upgrade tminus, or point it at another data directory.',
    });
    await reopened.close();
  });

  it('the queries that run every second or on every claim use an index, not a scan', async () => {
    const path = freshPath();
    const a = await openSqliteStore({ path });
    await a.migrate();
    await a.close();
    const raw = new Database(path, { readonly: true });
    const plan = (sql: string) =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    expect(plan(`SELECT id FROM runs WHERE state = 'starting' AND acked_at < 1`)).toMatch(
      /USING (COVERING )?INDEX runs_starting/,
    );
    expect(
      plan(
        `SELECT seq FROM queue_items WHERE queue_id = 'q' AND state = 'pending' ORDER BY priority, seq LIMIT 1`,
      ),
    ).toMatch(/INDEX queue_items_claim/);
    expect(plan(`SELECT id FROM runs WHERE agent_id = 'a' AND state = 'stopping'`)).toMatch(
      /INDEX runs_agent/,
    );
    raw.close();
  });

  it('refuses a database written by a newer tminus', async () => {
    const path = freshPath();
    const a = await openSqliteStore({ path });
    await a.migrate();
    await a.close();
    const raw = new Database(path);
    raw
      .prepare(
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
      )
      .run();
    raw.close();
    const b = await openSqliteStore({ path });
    await expect(b.migrate()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('999') as unknown,
    });
    await b.close();
  });
});

describe('sqlite group commit', () => {
  let path: string;
  let store: Store;
  let other: Database.Database;
  const committed = () =>
    (other.prepare(`SELECT id FROM queue_items ORDER BY seq`).all() as { id: string }[]).map(
      (r) => r.id,
    );

  beforeEach(async () => {
    path = freshPath();
    store = await openSqliteStore({ path });
    await store.migrate();
    await queue(store);
    other = new Database(path, { readonly: true });
  });
  afterEach(async () => {
    other.close();
    await store.close();
  });

  it('resolves concurrent writes only once they are committed, in one batch', async () => {
    const pending = Promise.all([
      store.enqueue(item('a')),
      store.enqueue(item('b')),
      store.enqueue(item('c')),
    ]);
    // Written on the store's connection, not yet committed: another connection sees nothing.
    expect(committed()).toEqual([]);
    await pending;
    expect(committed()).toEqual(['a', 'b', 'c']);
  });

  it('a failing write in a batch undoes only itself', async () => {
    const results = await Promise.allSettled([
      store.enqueue(item('a')),
      queue(store), // duplicate queue: CONFLICT
      store.enqueue(item('a')), // duplicate id: CONFLICT
      store.enqueue(item('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(results[1]).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(results[2]).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(committed()).toEqual(['a', 'b']);
  });

  it('a read sees a write of the open batch at once; durable() resolves only once it is on disk', async () => {
    const write = store.enqueue(item('a'));
    expect((await store.getQueueItem('a'))?.id).toBe('a');
    expect(committed()).toEqual([]);
    await store.durable!();
    expect(committed()).toEqual(['a']);
    await write;
  });

  it('close() commits the open batch first', async () => {
    const write = store.enqueue(item('late'));
    await store.close();
    await expect(write).resolves.toMatchObject({ existed: false });
    store = await openSqliteStore({ path });
    expect(await store.getQueueItem('late')).toMatchObject({ id: 'late' });
  });
});

describe('sqlite extras beyond the shared contract', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    await queue(store);
  });
  afterEach(() => store.close());

  it('writes to rows that do not exist say NOT_FOUND', async () => {
    await expect(store.enqueue(item('i', { queueId: 'nope' }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      store.failItem('nope', 't', { stage: 'agent', message: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const run = {
      id: 'r',
      entity: 'e',
      project: 'p',
      name: null,
      queueItemId: null,
      queueId: null,
      job: null,
      spec: {},
      config: {},
      agentId: null,
      fencingToken: 't',
      state: 'starting' as const,
      leaseExpiresAt: null,
      createdBy: null,
      now: 1,
    };
    await expect(store.ackItem('nope', 't', run)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.heartbeatAgent('nope', 'polling', 0, 1)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await store.createAgent({
      id: 'ag',
      entity: 'e',
      queues: ['q'],
      hostname: 'h',
      maxJobs: 1,
      version: '1',
      config: {},
      now: 1,
    });
    await expect(
      store.createAgent({
        id: 'ag',
        entity: 'e',
        queues: ['q'],
        hostname: 'h',
        maxJobs: 1,
        version: '1',
        config: {},
        now: 1,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('stale tokens get a message a user can act on', async () => {
    await store.createRun({
      id: 'abc12345',
      entity: 'e',
      project: 'p',
      name: null,
      queueItemId: null,
      queueId: null,
      job: null,
      spec: {},
      config: {},
      agentId: null,
      fencingToken: 'mine',
      state: 'running',
      leaseExpiresAt: null,
      createdBy: null,
      now: 1,
    });
    await expect(store.updateRun('abc12345', 'old', { state: 'finished' })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
      message: expect.stringMatching(
        /Run abc12345 is owned by another agent or attempt \(stale fencing token\)/,
      ) as unknown,
    });
  });

  it('transitionRun applies the whole patch', async () => {
    await store.createRun({
      id: 'r',
      entity: 'e',
      project: 'p',
      name: null,
      queueItemId: null,
      queueId: null,
      job: null,
      spec: {},
      config: {},
      agentId: null,
      fencingToken: 't',
      state: 'running',
      leaseExpiresAt: null,
      createdBy: null,
      now: 1,
    });
    const run = await store.transitionRun('r', ['running'], {
      state: 'failed',
      exitCode: 2,
      sourceCommit: 'abc',
      config: { x: 1 },
      startedAt: 5,
      finishedAt: 9,
    });
    expect(run).toMatchObject({
      state: 'failed',
      exitCode: 2,
      sourceCommit: 'abc',
      config: { x: 1 },
      startedAt: new Date(5).toISOString(),
      finishedAt: new Date(9).toISOString(),
    });
  });

  it('refuses a cursor it did not hand out', async () => {
    await expect(store.listRuns({ limit: 1, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
