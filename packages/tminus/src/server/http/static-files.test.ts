/**
 * The web UI's files as a browser or an attacker asks for them, over real HTTP from a real server:
 * content types, cache headers, and no way out of the bundle folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startServer, type RunningServer } from '../start-server.js';
import { tempDir } from '../../../../../test/helpers/temp.js';

const dir = tempDir('static-files');
let server: RunningServer;

/** A raw request: the path goes on the wire exactly as given (fetch would normalise `..`). */
function get(path: string, headers: Record<string, string> = {}) {
  const url = new URL(server.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path, method: 'GET', headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

beforeAll(async () => {
  const ui = join(dir.path, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(ui, 'main.js'), 'console.log(1)');
  writeFileSync(join(ui, '.secret.js'), 'hidden');
  writeFileSync(join(dir.path, 'outside.js'), 'outside the bundle');
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(dir.path, 'data'),
    uiDir: ui,
    log: () => undefined,
  });
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('the web UI files', () => {
  it('serves the page at / and its script with their types, revalidated by ETag', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
    const script = await get('/main.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log(1)');
    const again = await get('/main.js', { 'if-none-match': String(script.headers.etag) });
    expect(again.status).toBe(304);
  });

  it.each([
    '/../outside.js',
    '/%2e%2e/outside.js',
    '/..%2foutside.js',
    '/..%5coutside.js',
    '/.secret.js',
    '/%00main.js',
    '/missing.js',
  ])('does not serve %s', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('outside the bundle');
    expect(answer.body).not.toContain('hidden');
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('leaves /api/ to the API', async () => {
    const answer = await get('/api/v1/whoami');
    expect(answer.status).toBe(401);
  });
});
