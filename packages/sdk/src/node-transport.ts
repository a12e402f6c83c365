/**
 * @module `Transport` on `node:http`/`node:https` with keep-alive: the Node entry's default.
 */
import http from 'node:http';
import https from 'node:https';

import type { HttpRequest, HttpResponse, Transport } from './transport.js';

// One pool per process, as undici's global dispatcher is: connections are reused across `Api`s.
// No socket limit: an agent's long-poll must never queue behind its own status reports.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export function nodeHttpTransport(): Transport {
  return (request) => send(request, true);
}

function send(request: HttpRequest, mayRetry: boolean): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const body = request.body;
    const headers: Record<string, string | number> = { ...request.headers };
    if (body !== undefined) headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const req = (protocol === 'https:' ? https : http).request(url, { method: request.method, headers, agent: agents[protocol] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    const onAbort = () => req.destroy(new Error('The operation was aborted'));
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => request.signal?.removeEventListener('abort', onAbort));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed while idle, just as we sent on it (Node's documented
      // keep-alive race): the server never read the request, so it goes once more on a new socket.
      // (A server killed mid-request looks the same; every tminus write is safe to repeat.)
      if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET' && !request.signal?.aborted) {
        send(request, false).then(resolve, reject);
        return;
      }
      reject(error);
    });
    if (request.signal?.aborted) onAbort();
    req.end(body);
  });
}
