/**
 * @module Binary responses (blob downloads) streamed from the store chunk by chunk, with their
 * length declared up front.
 */
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

import { ClientGoneError } from './body-stream.js';

/** What a handler returns to answer with bytes; `open` is called only once the answer is sent. */
export class BinaryBody {
  readonly size: number;
  readonly open: () => AsyncIterable<Uint8Array>;

  constructor(size: number, open: () => AsyncIterable<Uint8Array>) {
    this.size = size;
    this.open = open;
  }
}

export async function writeBinary(res: ServerResponse, body: BinaryBody): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': body.size,
  });
  try {
    await pipeline(body.open(), res);
  } catch (error) {
    // The response closed before it was all written: the client left.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE')
      throw new ClientGoneError();
    throw error;
  }
}
