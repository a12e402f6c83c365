/**
 * @module Sends a request exactly as built — any method, any target bytes, any body, on a GET too —
 * over `node:http` with keep-alive connections, and returns what came back. (`fetch` refuses bodies
 * on GETs and re-encodes targets.) A request with no answer in the time given is abandoned.
 */
import { Agent, type ClientRequest, request } from 'node:http';
import type { Socket } from 'node:net';

import type { WireRequest } from './wire.js';

export type Outcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly contentType: string;
      readonly body: Buffer;
    }
  | { readonly kind: 'error'; readonly message: string }
  /** No answer within the time allowed; the request was abandoned (the connection closed). */
  | { readonly kind: 'timeout'; readonly afterMs: number };

export interface HttpClient {
  /** Sends `req`, abandoning it (closing its connection) after `timeoutMs` without an answer. */
  send(req: WireRequest, authorization: string | undefined, timeoutMs: number): Promise<Outcome>;
  close(): void;
}

export function httpClient(baseUrl: string, connections: number): HttpClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  /** What each connection carried last (said when a request on a reused connection fails). */
  const last = new WeakMap<Socket, string>();
  return {
    send: (req, authorization, timeoutMs) =>
      new Promise<Outcome>((resolve) => {
        let settled = false;
        let outgoing: ClientRequest | undefined;
        const timer = setTimeout(() => {
          outgoing?.destroy();
          settle({ kind: 'timeout', afterMs: timeoutMs });
        }, timeoutMs);
        const settle = (outcome: Outcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        };
        const headers: Record<string, string | number> = { ...req.headers };
        if (authorization !== undefined) headers.authorization = authorization;
        if (req.body !== undefined) headers['content-length'] = req.body.length;
        try {
          outgoing = request({
            host: url.hostname,
            port: url.port,
            method: req.method,
            path: req.target,
            headers,
            agent,
          });
        } catch (error) {
          return settle({ kind: 'error', message: `not sent: ${String(error)}` });
        }
        outgoing.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            settle({
              kind: 'response',
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'] ?? '',
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', (error) =>
            settle({ kind: 'error', message: `reading the answer: ${error.message}` }),
          );
        });
        const sent = `${req.method} ${req.target.slice(0, 80)}`;
        let before: string | undefined;
        outgoing.on('socket', (socket) => {
          before = last.get(socket);
          last.set(socket, sent);
        });
        outgoing.on('error', (error) =>
          settle({
            kind: 'error',
            message: `${error.message}${before === undefined ? '' : ` (on a connection reused after ${before})`}`,
          }),
        );
        outgoing.end(req.body);
      }),
    close: () => agent.destroy(),
  };
}
