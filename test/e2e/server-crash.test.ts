/**
 * kill -9 of the server while a client enqueues in a loop: after a restart every acknowledged item
 * exists exactly once (SQLite WAL with synchronous=FULL; idempotency keys make retries safe).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { Api, launchAdd } from '@tminus/sdk';
import { afterAll, describe, expect, it } from 'vitest';

import { spawnTminus, type Spawned } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('server-crash');
let server: Spawned | undefined;
afterAll(async () => {
  await server?.kill();
  dir.remove();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('kill -9 of the server', () => {
  it('loses no acknowledged enqueue and duplicates none', async () => {
    const port = await freePort();
    const apiKey = `tmk_${randomBytes(8).toString('hex')}`;
    const env = { TMINUS_BOOTSTRAP_API_KEY: apiKey, TMINUS_ENTITY: 'crash' };
    const args = ['server', '--port', String(port), '--data-dir', join(dir.path, 'data')];
    server = spawnTminus(args, env);
    await server.waitFor('listening on');
    const api = new Api({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
    await api.request('createJob', {
      body: { project: 'p', name: 'j', source: { type: 'image', image: 'x:1' } },
    });
    await api.request('createQueue', { body: { name: 'q' } });

    const acknowledged: string[] = [];
    const keys: string[] = [];
    const loop = (async () => {
      for (;;) {
        const key = randomBytes(8).toString('hex');
        try {
          const queued = await launchAdd({
            api,
            job: 'crash/p/j:latest',
            queueName: 'q',
            idempotencyKey: key,
          });
          acknowledged.push(queued.id);
          keys.push(key);
        } catch {
          return; // The server is gone (after launchAdd's own retries).
        }
      }
    })();
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
    await server.kill('SIGKILL');
    await loop;

    server = spawnTminus(args, env);
    await server.waitFor('listening on');
    const { items } = await api.request('listQueueItems', {
      params: { entity: 'crash', name: 'q' },
      query: { limit: 100_000 },
    });
    const stored = new Set(items.map((i) => i.id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    // At most the one request in flight at the kill may have been stored without its answer arriving.
    expect(items.length - acknowledged.length).toBeLessThanOrEqual(1);
    // A client retrying an acknowledged request gets the same item back, not a second one.
    const retried = await launchAdd({
      api,
      job: 'crash/p/j:latest',
      queueName: 'q',
      idempotencyKey: keys.at(-1)!,
    });
    expect(retried.id).toBe(acknowledged.at(-1));
  });
});
