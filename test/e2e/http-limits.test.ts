/**
 * The HTTP server's limits, against real servers over real sockets.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Api } from '@tminus/sdk';
import { describe, expect, it } from 'vitest';

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
