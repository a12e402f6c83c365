/**
 * What the fuzz suite (test/fuzz/) found, held on both stores; each answered 500 on PostgreSQL.
 * - A cursor of `GET /runs` the server did not hand out reached the query as a bigint: now refused
 *   with 400 before any store sees it.
 * - A NUL character (`\u0000`) in a JSON string reached a `text` column, which cannot hold one (so a
 *   single NUL byte in a program's output stopped its log shipping): now read as U+FFFD, as invalid
 *   UTF-8 is, on both stores.
 * - An Idempotency-Key of a few KiB was too large for the index it is stored in: now refused with 400
 *   past 255 characters.
 * And on any store: a malformed request that came on a connection before the answer to the previous
 * request had gone out (a pipelined request; a download whose client already had every byte) was
 * answered in that answer's place, or not at all. Now its 400 follows that answer.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { adminQuery, databaseUrl, TEST_DATABASE_URL } from '../helpers/postgres.js';
import { call, startTenants, TEAM, type Tenants } from '../helpers/tenants.js';

const dbName = `tminus_findings_${randomBytes(5).toString('hex')}`;
const created = await adminQuery(`CREATE DATABASE ${dbName}`);
afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${dbName}`));

const stores = [
  { store: 'SQLite', database: undefined, skip: false },
  {
    store: created ? 'PostgreSQL' : `PostgreSQL — skipped: no PostgreSQL at ${TEST_DATABASE_URL}`,
    database: databaseUrl(dbName),
    skip: !created,
  },
];

const invalid = (message: string) => ({
  status: 400,
  body: { error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) } },
});

describe.each(stores)('inputs the fuzzer found on $store', ({ database, skip }) => {
  let tenants: Tenants | undefined;
  beforeAll(async () => {
    if (!skip) tenants = await startTenants(database === undefined ? {} : { database });
  });
  afterAll(() => tenants?.close());
  const world = () => tenants!;

  it.skipIf(skip)(
    'runs list: pages with nextCursor, refuses a cursor it did not hand out',
    async () => {
      const t = world();
      const list = (query: Record<string, unknown>) =>
        call(t.url, 'listRuns', { query: { entity: TEAM, limit: 1, ...query } }, t.keys.viewer);
      const first = await list({});
      expect(first.status).toBe(200);
      const { items, nextCursor } = first.body as { items: { id: string }[]; nextCursor: string };
      const second = await list({ cursor: nextCursor });
      expect(second.status).toBe(200);
      const next = (second.body as { items: { id: string }[] }).items;
      expect(next.map((r) => r.id)).not.toEqual(items.map((r) => r.id));

      for (const cursor of ['garbage', '-1e308', '1.5', '\u0000', '9'.repeat(64), '']) {
        const { status, body } = await list({ cursor });
        expect({ cursor, status, body }).toMatchObject({ cursor, ...invalid('cursor') });
      }
    },
  );

  it.skipIf(skip)('reads a NUL character in a JSON string as U+FFFD', async () => {
    const t = world();
    const agent = t.keys.agentOwnQueue;
    const { runId, fencingToken } = t.runA;
    const appended = await call(
      t.url,
      'appendLogs',
      {
        params: { id: runId },
        body: { fencingToken, lines: [{ stream: 'stdout', text: 'before\u0000after' }] },
      },
      agent,
    );
    expect(appended.status).toBe(200);
    const logs = await call(t.url, 'getLogs', { params: { id: runId } }, t.keys.viewer);
    expect((logs.body as { lines: { text: string }[] }).lines.map((l) => l.text)).toContain(
      'before\uFFFDafter',
    );

    const job = await call(
      t.url,
      'createJob',
      {
        body: {
          entity: TEAM,
          project: 'p',
          name: 'nul',
          description: 'a\u0000b',
          source: { type: 'image', image: 'busybox\u0000' },
        },
      },
      t.keys.launcher,
    );
    expect(job).toMatchObject({
      status: 200,
      body: { job: { description: 'a\uFFFDb', source: { image: 'busybox\uFFFD' } } },
    });

    const key = await call(
      t.url,
      'createKey',
      { body: { kind: 'user', name: 'k\u0000' } },
      t.keys.viewer,
    );
    expect(key).toMatchObject({ status: 200, body: { key: { name: 'k\uFFFD' } } });

    const item = await call(
      t.url,
      'enqueue',
      {
        body: {
          queue: 'default',
          queueEntity: TEAM,
          spec: {
            entity: TEAM,
            job: t.jobRef,
            overrides: { run_config: { 'lr\u0000': 'x\u0000' } },
          },
        },
      },
      t.keys.launcher,
    );
    expect(item).toMatchObject({
      status: 200,
      body: { spec: { overrides: { run_config: { 'lr\uFFFD': 'x\uFFFD' } } } },
    });
  });

  it.skipIf(skip)('takes an Idempotency-Key of up to 255 characters', async () => {
    const t = world();
    const enqueue = async (idempotencyKey: string) => {
      const response = await fetch(`${t.url}/api/v1/queue-items`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${t.keys.launcher}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({
          queue: 'default',
          queueEntity: TEAM,
          spec: { entity: TEAM, job: t.jobRef },
        }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const longest = randomBytes(192).toString('base64').slice(0, 255);
    const once = await enqueue(longest);
    expect(once.status).toBe(200);
    const again = await enqueue(longest);
    expect(again).toEqual(once);

    const tooLong = randomBytes(1500).toString('hex');
    expect(await enqueue(tooLong)).toMatchObject(invalid('Idempotency-Key is longer than 255'));
    expect(await enqueue(`${longest}x`)).toMatchObject(invalid('Idempotency-Key'));
  });
});

/** Sends `bytes` on a fresh connection and reads the answers until the server closes it. */
function exchange(url: string, bytes: Buffer): Promise<{ status: number; body: string }[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswers(Buffer.concat(chunks))));
    socket.end(bytes);
  });
}

function parseAnswers(bytes: Buffer): { status: number; body: string }[] {
  const answers: { status: number; body: string }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd === -1) throw new Error(`a truncated answer: ${bytes.subarray(at).toString()}`);
    const head = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const length = Number(/^content-length:\s*(\d+)$/im.exec(head.join('\n'))?.[1] ?? 0);
    const body = bytes.subarray(headEnd + 4, headEnd + 4 + length).toString();
    answers.push({ status: Number(head[0]!.split(' ')[1]), body });
    at = headEnd + 4 + length;
  }
  return answers;
}

describe('a malformed request right behind another on one connection', () => {
  let tenants: Tenants;
  beforeAll(async () => {
    tenants = await startTenants();
  });
  afterAll(() => tenants.close());

  it('is answered 400 after the answer to the one before it', async () => {
    const valid = `GET /api/v1/whoami HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tenants.keys.viewer}\r\n\r\n`;
    // A raw byte 0xFF in the target: the HTTP parser refuses the request line.
    const malformed = Buffer.from(
      'GET /api/v1/whoami?x=\u00ff HTTP/1.1\r\nhost: x\r\n\r\n',
      'latin1',
    );
    const answers = await exchange(tenants.url, Buffer.concat([Buffer.from(valid), malformed]));
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ user: 'viewer' });
    expect(JSON.parse(answers[1]!.body)).toMatchObject({
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('Malformed HTTP request'),
      },
    });
  });
});
