/**
 * @module `Transport` on `node:http`/`node:https` with keep-alive: the Node entry's default.
 */
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

import type { HttpRequest, HttpResponse, Transport } from './transport.js';

// One pool per process, as undici's global dispatcher is: connections are reused across `Api`s.
// No socket limit: an agent's long-poll must never queue behind its own status reports.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

// Request targets as `http.request` options, by URL. Parsing a URL and converting it was ~4 % of a
// client's CPU per `launchAdd`, and a client calls few distinct URLs over and over (every enqueue
// goes to the same one). Parsing is a pure function of the string, so this changes nothing but the
// cost; bounded, so that URLs with ids in them cannot grow it for ever.
const MAX_TARGETS = 256;
const targets = new Map<string, http.RequestOptions>();

function targetOf(url: string): http.RequestOptions {
  let target = targets.get(url);
  if (target === undefined) {
    if (targets.size >= MAX_TARGETS) targets.delete(targets.keys().next().value!);
    targets.set(url, (target = urlToHttpOptions(new URL(url))));
  }
  return target;
}

export function nodeHttpTransport(): Transport {
  return (request) => send(request, true);
}

function send(request: HttpRequest, mayRetry: boolean): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const target = targetOf(request.url);
    const protocol = target.protocol === 'https:' ? 'https:' : 'http:';
    const body = request.body;
    const headers: Record<string, string | number> = { ...request.headers };
    if (body !== undefined)
      headers['content-length'] =
        typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const req = (protocol === 'https:' ? https : http).request(
      { ...target, method: request.method, headers, agent: agents[protocol] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
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
