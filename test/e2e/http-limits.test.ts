/**
 * The HTTP server's limits, against real servers over real sockets: body sizes (413 before the
 * body is read, the connection then closed), JSON nesting, the budget of JSON bodies held at once,
 * uploads streamed to disk (not held in memory) and downloads streamed back, slow clients (408 and
 * closed), the connection cap, and clients that go away (not an internal error). Small limits and
 * timeouts are configured so that each case runs in well under a second or two.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Api, LaunchError } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { HttpLimits } from '../../packages/tminus/src/server/http/limits.js';
import { MAX_JSON_DEPTH } from '../../packages/tminus/src/server/http/json-depth.js';
import { type RunningServer, startServer } from '../../packages/tminus/src/server/start-server.js';
import { tempDir } from '../helpers/temp.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly api: Api;
  readonly dataDir: string;
  /** What the server logged. */
  readonly log: string[];
  close(): Promise<void>;
}

const dir = tempDir('limits');
const servers: RunningServer[] = [];

async function start(name: string, limits: Partial<HttpLimits>): Promise<TestServer> {
  const apiKey = `tmk_test_${randomBytes(8).toString('hex')}`;
  const dataDir = join(dir.path, name);
  const log: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    bootstrapApiKey: apiKey,
    defaultEntity: 'tester',
    log: (line) => log.push(line),
    limits,
  });
  servers.push(server);
  return {
    url: server.url,
    port: Number(new URL(server.url).port),
    apiKey,
    api: new Api({ baseUrl: server.url, apiKey }),
    dataDir,
    log,
    close: () => server.close(),
  };
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  dir.remove();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One TCP connection speaking HTTP/1.1 by hand, for byte-level control of what is sent when. */
class Raw {
  readonly socket: Socket;
  /** Resolves when the server (or anyone) closed the connection. */
  readonly closed: Promise<void>;
  #received = Buffer.alloc(0);
  #isClosed = false;
  #wake: () => void = () => undefined;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => undefined); // writes after the server closed: EPIPE, ECONNRESET
    this.socket.on('data', (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Resolves once written, or once the connection is closed (what was not sent is lost). */
  write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return Promise.race([
      new Promise<void>((resolve) => this.socket.write(data, () => resolve())),
      this.closed,
    ]);
  }

  /** The next response (a `100 Continue` counts as one). */
  async response(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#received.indexOf('\r\n\r\n');
      if (end !== -1) {
        const [statusLine, ...lines] = this.#received.subarray(0, end).toString().split('\r\n');
        const headers = Object.fromEntries(
          lines.map((l) => [
            l.slice(0, l.indexOf(':')).toLowerCase(),
            l.slice(l.indexOf(':') + 1).trim(),
          ]),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (this.#received.length >= end + 4 + length) {
          const body = this.#received.subarray(end + 4, end + 4 + length).toString();
          this.#received = this.#received.subarray(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers, body };
        }
      }
      if (this.#isClosed) throw new Error('The connection closed without a (whole) response');
      if (Date.now() > deadline) throw new Error('No response in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Whether the connection closes within `ms` (generous: a closing connection closes at once). */
  async closesWithin(ms = 5_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function errorOf(response: RawResponse): { code: string; message: string; hint?: string } {
  return (JSON.parse(response.body) as { error: { code: string; message: string; hint?: string } })
    .error;
}

function head(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: 'localhost', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** `{"a":{"a":…{"leaf":true}…}}`, `depth` objects deep, as text (JSON.stringify would overflow). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth - 1)}{"leaf":true}${'}'.repeat(depth - 1)}`;
}

async function eventually<T>(probe: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function uploadsIn(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('upload-'));
  } catch {
    return [];
  }
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('bodies', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await start('bodies', {
      maxJsonBytes: 1 * MiB,
      jsonBudgetBytes: 1.5 * MiB,
      maxUploadBytes: 40 * MiB,
    });
  });
  const auth = () => ({ authorization: `Bearer ${s.apiKey}` });

  it(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is a 400 naming the limit, not a crash`, async () => {
    const post = (path: string, body: string) =>
      fetch(`${s.url}/api/v1${path}`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body,
      });
    // The queue config, the agent config and the run config of the report.
    for (const [path, body] of [
      ['/queues', `{"name":"deep","config":${nested(10_000)}}`],
      [
        '/agents',
        `{"queues":["default"],"hostname":"h","maxJobs":1,"version":"1","config":${nested(10_000)}}`,
      ],
      [
        '/queue-items',
        `{"queue":"default","spec":{"uri":"/tmp/r","overrides":{"run_config":${nested(2_000)}}}}`,
      ],
    ]) {
      const deep = await post(path!, body!);
      expect(deep.status).toBe(400);
      const error = ((await deep.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    }
    // Brackets inside strings do not count; a document at the limit is accepted.
    const text = JSON.stringify('[[[[{{{{\\"['.repeat(100));
    const fine = await post(
      '/queues',
      `{"name":"nested-ok","config":{"text":${text},"deep":${nested(MAX_JSON_DEPTH - 2)}}}`,
    );
    expect(fine.status).toBe(200);
    expect(s.log.join('\n')).not.toContain('internal error');
  });

  it('a JSON body declared over the limit is a 413 before it is sent, and the connection closes', async () => {
    const raw = new Raw(s.port);
    await raw.write(
      head('POST', '/api/v1/queues', {
        ...auth(),
        'content-type': 'application/json',
        'content-length': 2 * MiB,
      }),
    );
    const response = await raw.response();
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(errorOf(response)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Request body is larger than the limit of 1 MiB for JSON documents',
    });
    expect(await raw.closesWithin()).toBe(true);
  });

  it('a chunked JSON body is cut off once it passes the limit: 413, then the connection closes', async () => {
    const raw = new Raw(s.port);
    await raw.write(
      head('POST', '/api/v1/queues', {
        ...auth(),
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      }),
    );
    const chunk = Buffer.alloc(64 * KiB, 0x20);
    const answered = raw.response();
    let sent = 0;
    // Keep sending (far past the limit) until the server answers.
    const sending = (async () => {
      while (!raw.socket.destroyed && sent < 64 * MiB) {
        await raw.write(`${chunk.length.toString(16)}\r\n`);
        await raw.write(chunk);
        await raw.write('\r\n');
        sent += chunk.length;
      }
    })();
    const response = await answered;
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await raw.closesWithin()).toBe(true);
    await sending;
    expect(sent).toBeLessThan(64 * MiB);
  });

  it('the SDK gets PAYLOAD_TOO_LARGE for a body over the limit, and the server answers on', async () => {
    const error = (await s.api
      .request('uploadBlob', { raw: new Uint8Array(41 * MiB) })
      .catch((e: unknown) => e)) as LaunchError;
    expect(error).toBeInstanceOf(LaunchError);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('40 MiB for uploads');
    expect(error.details.status).toBe(413);
    const json = (await s.api
      .request('createQueue', { body: { name: 'big', config: { pad: 'x'.repeat(2 * MiB) } } })
      .catch((e: unknown) => e)) as LaunchError;
    expect(json.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await s.api.request('whoami', {})).toMatchObject({ entity: 'tester' });
  });

  it('Expect: 100-continue — a body over the limit is refused before the client sends it', async () => {
    const tooBig = new Raw(s.port);
    await tooBig.write(
      head('PUT', '/api/v1/blobs', {
        ...auth(),
        'content-length': 41 * MiB,
        expect: '100-continue',
      }),
    );
    const refused = await tooBig.response();
    expect(refused.status).toBe(413);
    expect(errorOf(refused).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await tooBig.closesWithin()).toBe(true);

    const unauthenticated = new Raw(s.port);
    await unauthenticated.write(
      head('PUT', '/api/v1/blobs', { 'content-length': 10, expect: '100-continue' }),
    );
    expect((await unauthenticated.response()).status).toBe(401);
    expect(await unauthenticated.closesWithin()).toBe(true);

    const fine = new Raw(s.port);
    await fine.write(
      head('PUT', '/api/v1/blobs', { ...auth(), 'content-length': 5, expect: '100-continue' }),
    );
    expect((await fine.response()).status).toBe(100);
    await fine.write('hello');
    const stored = await fine.response();
    expect(stored.status).toBe(200);
    expect(JSON.parse(stored.body)).toEqual({ digest: sha256(Buffer.from('hello')), size: 5 });
    fine.destroy();
  });

  it('an error answered before the body is read (401, 404) closes the connection instead of waiting for the rest', async () => {
    for (const [path, headers, status] of [
      ['/api/v1/queues', { authorization: 'Bearer tmk_wrong' }, 401],
      ['/api/v1/nothing-here', auth(), 404],
    ] as const) {
      const raw = new Raw(s.port);
      await raw.write(
        head('POST', path, {
          ...headers,
          'content-type': 'application/json',
          'content-length': 1000,
        }),
      );
      await raw.write('{"name":'); // and then nothing: a client trickling its body
      const response = await raw.response();
      expect(response.status).toBe(status);
      expect(response.headers.connection).toBe('close');
      expect(await raw.closesWithin()).toBe(true);
    }
  });

  it('JSON bodies held at once are capped: past the budget a request gets 503 and the others go on', async () => {
    const post = (raw: Raw) =>
      raw.write(
        head('POST', '/api/v1/queues', {
          ...auth(),
          'content-type': 'application/json',
          'content-length': 900 * KiB + 1,
        }),
      );
    const a = new Raw(s.port);
    const b = new Raw(s.port);
    await post(a);
    await post(b);
    // Each sends all but its last bytes: 1.76 MiB held together, over the budget of 1.5 MiB.
    const pad = `"${'x'.repeat(900 * KiB - 1)}`;
    await Promise.all([a.write(pad), b.write(pad)]);
    const first = await Promise.race([
      a.response().then((r) => ({ r, refused: a, other: b })),
      b.response().then((r) => ({ r, refused: b, other: a })),
    ]);
    expect(first.r.status).toBe(503);
    expect(errorOf(first.r)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(errorOf(first.r).message).toContain('1536 KiB');
    expect(errorOf(first.r).hint).toContain('Retry');
    expect(await first.refused.closesWithin()).toBe(true);
    // The other one is read to its end and answered (its document is a string: a 400).
    await first.other.write('"');
    const other = await first.other.response();
    expect(other.status).toBe(400);
    expect(errorOf(other).message).toContain('body');
    first.other.destroy();
    // Its bytes are given back: a body of the same size is read whole now.
    const c = new Raw(s.port);
    await post(c);
    await c.write(`${pad}"`);
    expect((await c.response()).status).toBe(400);
    c.destroy();
  });

  it('an upload is streamed to a 0600 temp file while it arrives, then stored; the download streams it back', async () => {
    const data = randomBytes(32 * MiB);
    const raw = new Raw(s.port);
    await raw.write(
      head('PUT', '/api/v1/blobs', {
        ...auth(),
        'content-type': 'application/octet-stream',
        'content-length': data.length,
      }),
    );
    // Half the body, then a pause: the half is on disk already, the request still open.
    for (const upTo of [8 * MiB, 16 * MiB]) {
      await raw.write(data.subarray(upTo - 8 * MiB, upTo));
      const file = await eventually(() => {
        const [name] = uploadsIn(s.dataDir);
        if (name === undefined) return undefined;
        const info = statSync(join(s.dataDir, 'tmp', name));
        return info.size === upTo ? info : undefined;
      }, `${upTo} bytes in the temp file`);
      expect(file.mode & 0o777).toBe(0o600);
    }
    await raw.write(data.subarray(16 * MiB));
    const stored = await raw.response();
    expect(stored.status).toBe(200);
    expect(JSON.parse(stored.body)).toEqual({ digest: sha256(data), size: data.length });
    raw.destroy();
    await eventually(() => (uploadsIn(s.dataDir).length === 0 ? true : undefined), 'no temp file');

    // A snapshot is readable once a job of the caller's entity uses it (docs/security.md).
    await s.api.request('createJob', {
      body: {
        project: 'p',
        name: 'big',
        source: { type: 'code', digest: sha256(data), entrypoint: ['python3', 'main.py'] },
      },
    });
    const download = await fetch(`${s.url}/api/v1/blobs/${sha256(data)}`, { headers: auth() });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String(data.length));
    const back = new Uint8Array(await download.arrayBuffer());
    expect(sha256(back)).toBe(sha256(data));
    // Through the SDK as the agent downloads it, and an upload of the same bytes is idempotent.
    const viaSdk = (await s.api.request('downloadBlob', {
      params: { digest: sha256(data) },
    })) as Uint8Array;
    expect(Buffer.compare(viaSdk, data)).toBe(0);
    expect(await s.api.request('uploadBlob', { raw: new Uint8Array(data) })).toEqual({
      digest: sha256(data),
      size: data.length,
    });
  });

  it('a client that goes away mid-body is no internal error: nothing logged, no temp file left, the server answers on', async () => {
    const upload = new Raw(s.port);
    await upload.write(head('PUT', '/api/v1/blobs', { ...auth(), 'content-length': 4 * MiB }));
    await upload.write(Buffer.alloc(1 * MiB));
    await eventually(() => (uploadsIn(s.dataDir).length === 1 ? true : undefined), 'a temp file');
    upload.destroy();
    const json = new Raw(s.port);
    await json.write(
      head('POST', '/api/v1/queues', {
        ...auth(),
        'content-type': 'application/json',
        'content-length': 1000,
      }),
    );
    await json.write('{"name": "gone"');
    await new Promise((resolve) => setTimeout(resolve, 100));
    json.destroy();
    await eventually(() => (uploadsIn(s.dataDir).length === 0 ? true : undefined), 'no temp file');
    expect(await s.api.request('whoami', {})).toMatchObject({ entity: 'tester' });
    expect(s.log.filter((line) => /internal error|aborted/.test(line))).toEqual([]);
  });
});

describe('slow clients', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await start('slow', { headersTimeoutMs: 500, requestTimeoutMs: 1_500 });
  });

  it('headers not sent in time: 408 in the error shape, and the connection closes', async () => {
    const raw = new Raw(s.port);
    await raw.write('GET /api/v1/whoami HTTP/1.1\r\nhost: localhost\r\n'); // never finished
    const response = await raw.response();
    expect(response.status).toBe(408);
    expect(errorOf(response)).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(errorOf(response).message).toContain('0.5 s for its headers');
    expect(await raw.closesWithin()).toBe(true);
    // A connection that sends nothing at all is closed too.
    const idle = new Raw(s.port);
    expect(await idle.closesWithin()).toBe(true);
  });

  it('an authenticated body trickled slower than the request timeout: 408, closed, its temp file removed', async () => {
    const raw = new Raw(s.port);
    await raw.write(
      head('PUT', '/api/v1/blobs', {
        authorization: `Bearer ${s.apiKey}`,
        'content-length': 1000,
      }),
    );
    const trickle = setInterval(() => void raw.write('x'), 100);
    try {
      const response = await raw.response();
      expect(response.status).toBe(408);
      expect(errorOf(response).code).toBe('REQUEST_TIMEOUT');
      expect(await raw.closesWithin()).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    await eventually(() => (uploadsIn(s.dataDir).length === 0 ? true : undefined), 'no temp file');
    expect(s.log.filter((line) => /internal error|aborted/.test(line))).toEqual([]);
  });

  it('a long-poll may take longer than the request timeout: only receiving the request is timed', async () => {
    const agent = await s.api.request('registerAgent', {
      body: { queues: ['default'], hostname: 'h', maxJobs: 1, version: '1' },
    });
    const started = Date.now();
    const claim = await s.api.request('claim', {
      params: { id: agent.id },
      body: { waitMs: 2_500 },
    });
    expect(claim.lease).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
  });
});

describe('connections', () => {
  it('open connections are capped; a connection over the cap is closed, and one is accepted again once another closes', async () => {
    const s = await start('capped', { maxConnections: 3 });
    const held: Raw[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = new Raw(s.port);
      await raw.write(head('GET', '/api/v1/whoami', { authorization: `Bearer ${s.apiKey}` }));
      expect((await raw.response()).status).toBe(200); // and kept alive
      held.push(raw);
    }
    const over = new Raw(s.port);
    await over.write(head('GET', '/api/v1/whoami', { authorization: `Bearer ${s.apiKey}` }));
    expect(await over.closesWithin()).toBe(true);
    await expect(over.response()).rejects.toThrow('closed');
    held.pop()!.destroy();
    // The server counts the closed connection out as soon as it sees it close.
    let again: RawResponse | undefined;
    for (let attempt = 0; again === undefined && attempt < 50; attempt++) {
      const raw = new Raw(s.port);
      await raw.write(head('GET', '/api/v1/whoami', { authorization: `Bearer ${s.apiKey}` }));
      again = await raw.response().catch(() => undefined);
      raw.destroy();
    }
    expect(again?.status).toBe(200);
    for (const raw of held) raw.destroy();
  });
});

describe('the SDK', () => {
  it.each([
    [413, 'PAYLOAD_TOO_LARGE'],
    [408, 'REQUEST_TIMEOUT'],
  ])('maps a bare %i (a proxy’s page, no error body) to %s', async (status, code) => {
    const proxy = createServer((req, res) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'text/html', connection: 'close' });
      res.end(`<html><body>${status}</body></html>`);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const api = new Api({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        apiKey: 'k',
      });
      await expect(api.request('uploadBlob', { raw: new Uint8Array(10) })).rejects.toMatchObject({
        code,
      });
    } finally {
      proxy.close();
    }
  });
});
