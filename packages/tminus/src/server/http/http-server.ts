/**
 * @module The `node:http` server with the connection limits: how long a client may take to send a
 * request's headers and the whole request, how many connections may be open at once, and an answer
 * in the one error shape for the requests node refuses before they reach the app (too slow,
 * malformed). A client that asks before sending its body (`Expect: 100-continue`) goes to the app
 * too, which invites the body only when it means to read it.
 */
import {
  createServer,
  type RequestListener,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';

import { LaunchError } from '@tminus/sdk';

import { toErrorResponse } from './errors.js';
import type { HttpLimits } from './limits.js';

/** Long-polls hold requests for up to 60 s; idle keep-alive sockets live a little longer than that. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

type ConnectionLimits = Pick<
  HttpLimits,
  'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnections'
>;

export function createHttpServer(
  listener: RequestListener,
  limits: ConnectionLimits,
  log: (line: string) => void,
): Server {
  const { requestTimeoutMs } = limits;
  // node requires headers ≤ request timeout; a request timeout below the default headers one wins.
  const headersTimeoutMs =
    requestTimeoutMs > 0 &&
    (limits.headersTimeoutMs === 0 || limits.headersTimeoutMs > requestTimeoutMs)
      ? requestTimeoutMs
      : limits.headersTimeoutMs;
  // The timeouts are enforced by a sweep over the connections (every 30 s by node's default).
  const shortest = Math.min(...[headersTimeoutMs, requestTimeoutMs].filter((ms) => ms > 0));
  const connectionsCheckingInterval = Math.max(50, Math.min(5_000, Math.floor(shortest / 4)));
  const responses = new WeakMap<Duplex, ServerResponse>();
  const track: RequestListener = (req, res) => {
    responses.set(req.socket, res);
    listener(req, res);
  };
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval,
    },
    track,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = limits.maxConnections;
  server.on('checkContinue', track);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET' || error.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    const answer = () => {
      if (!socket.writable) return void socket.destroy();
      const { status, body } = toErrorResponse(
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? requestTimeout(headersTimeoutMs, requestTimeoutMs)
          : new LaunchError('INVALID_ARGUMENT', `Malformed HTTP request: ${error.message}`),
        log,
      );
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
          'content-type: application/json; charset=utf-8\r\n' +
          `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
        () => socket.destroy(),
      );
    };
    const res = responses.get(socket);
    if (res === undefined || res.writableFinished) return answer();
    if (res.req.complete) {
      // The answer to an earlier request, received whole, is still going out (a download whose
      // client already has every byte it declared; a request sent before this one without waiting):
      // the error follows it, as answers follow their requests. If it never ends, nor does this.
      res.once('finish', answer);
      res.once('close', () => {
        if (!res.writableFinished) socket.destroy();
      });
      return;
    }
    // The error is this request's own (too slow, cut off): answer at once, unless its answer began.
    if (res.headersSent) return void socket.destroy();
    answer();
  });
  return server;
}

function requestTimeout(headersMs: number, requestMs: number): LaunchError {
  const allowed = [
    headersMs > 0 ? `${headersMs / 1000} s for its headers` : '',
    requestMs > 0 ? `${requestMs / 1000} s for all of it` : '',
  ].filter(Boolean);
  return new LaunchError(
    'REQUEST_TIMEOUT',
    `The request was not received in time: the server allows ${allowed.join(' and ')}`,
    {
      hint: "Send requests promptly; for large uploads over slow links raise the server's --request-timeout-seconds.",
    },
  );
}
