/**
 * The HTTP server's limits, against real servers over real sockets: JSON nesting.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Api } from '@tminus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MAX_JSON_DEPTH } from '../../packages/tminus/src/server/http/json-depth.js';
import { type RunningServer, startServer } from '../../packages/tminus/src/server/start-server.js';
import { tempDir } from '../helpers/temp.js';

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
async function start(name: string): Promise<TestServer> {
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
/** `{"a":{"a":…{"leaf":true}…}}`, `depth` objects deep, as text (JSON.stringify would overflow). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth - 1)}{"leaf":true}${'}'.repeat(depth - 1)}`;
}
describe('bodies', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await start('bodies');
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
