/**
 * @module Reading a request body chunk by chunk within a size limit, without ever destroying the
 * socket: a body over the limit (declared or counted) is refused with a 413 that can still be sent,
 * the rest left unread (the answer then closes the connection, see `hasUnreadBody`). A client that
 * goes away mid-body is a `ClientGoneError`: nothing failed on the server's side.
 */
import type { IncomingMessage } from 'node:http';

import { LaunchError } from '@tminus/sdk';

import { formatBytes } from './limits.js';

/** The client closed the connection before its request was read or answered. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client went away');
    this.name = 'ClientGoneError';
  }
}

export function payloadTooLarge(limit: number, what: string, hint: string): LaunchError {
  return new LaunchError(
    'PAYLOAD_TOO_LARGE',
    `Request body is larger than the limit of ${formatBytes(limit)} for ${what}`,
    { hint },
  );
}

/** The declared `content-length`, if any (node's parser has already checked its syntax). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value === undefined ? undefined : Number(value);
}

/** Whether the request has a body, part of which is still unread. */
export function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const declared = declaredLength(req);
  return (declared !== undefined && declared > 0) || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Feeds the body to `onChunk` chunk by chunk and resolves with its size. While a promise returned
 * by `onChunk` is pending the request is paused, so the client cannot send faster than the sink
 * takes the bytes. Rejects with `tooLarge` as soon as the size passes `limit` (reading stops there),
 * with whatever `onChunk` throws, or with `ClientGoneError`.
 */
export function pumpBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => LaunchError,
  onChunk: (chunk: Buffer) => void | Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let ended = false;
    let settled = false;
    let writing: Promise<void> | undefined;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      if (error === undefined) return resolve(size);
      req.pause();
      const failure = error instanceof Error ? error : new Error('Reading the request body failed');
      // After the chunk being written, so that the caller may clean up behind the sink.
      if (writing === undefined) reject(failure);
      else void writing.then(() => reject(failure));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) return settle(tooLarge());
      let result: void | Promise<void>;
      try {
        result = onChunk(chunk);
      } catch (error) {
        return settle(error);
      }
      if (result === undefined) return;
      req.pause();
      writing = result.then(
        () => {
          writing = undefined;
          if (!settled && !ended) req.resume();
        },
        (error: unknown) => settle(error),
      );
    };
    const onEnd = () => {
      ended = true;
      if (writing === undefined) settle();
      else void writing.then(() => settle());
    };
    // 'close' also follows a normal 'end'; only before it does it mean the client left.
    const onGone = () => {
      if (!ended) settle(new ClientGoneError());
    };
    if (req.destroyed) return reject(new ClientGoneError());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
