/**
 * @module Request bodies within the server's limits. JSON bodies are read into memory up to
 * `maxJsonBytes`, their bytes counted against one budget shared by all requests (many large bodies
 * at once are answered 503 instead of exhausting memory), and their nesting checked before
 * `JSON.parse` recurses. Uploads stream to a temp file (upload.ts), removed when the request ends.
 * A `content-length` over the limit is refused before the body is read, and before the client is
 * told to send it (`Expect: 100-continue`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { LaunchError } from '@tminus/sdk';

import { ByteBudget } from '../../lib/byte-budget.js';
import type { StagedBlob } from '../../store/blob-store.js';
import { declaredLength, hasUnreadBody, payloadTooLarge, pumpBody } from './body-stream.js';
import { assertJsonDepth } from './json-depth.js';
import { formatBytes, type HttpLimits } from './limits.js';
import { discardUpload, receiveUpload, uploadTooLarge } from './upload.js';

/** One request's body: read it once, as JSON or as an upload. */
export interface RequestBody {
  /** The parsed JSON document, or `undefined` for an empty body. */
  json(): Promise<unknown>;
  /** The body received into a temp file (removed by `dispose`, if the blob store left it). */
  upload(): Promise<StagedBlob>;
  /** Part of the body is unread: an answer given now must close the connection, not wait for it. */
  readonly unread: boolean;
  /** Called once the request is answered. */
  dispose(): Promise<void>;
}

export class BodyReader {
  readonly #limits: Pick<HttpLimits, 'maxJsonBytes' | 'maxUploadBytes'>;
  readonly #budget: ByteBudget;
  readonly #uploadDir: string;

  constructor(
    limits: Pick<HttpLimits, 'maxJsonBytes' | 'maxUploadBytes' | 'jsonBudgetBytes'>,
    uploadDir: string,
  ) {
    this.#limits = limits;
    this.#budget = new ByteBudget(limits.jsonBudgetBytes);
    this.#uploadDir = uploadDir;
  }

  open(req: IncomingMessage, res: ServerResponse): RequestBody {
    const { maxJsonBytes, maxUploadBytes } = this.#limits;
    const budget = this.#budget;
    const uploadDir = this.#uploadDir;
    const staged: StagedBlob[] = [];
    /** Refuses a declared length over the limit; otherwise invites a client that waits to send. */
    const start = (limit: number, tooLarge: () => LaunchError) => {
      const declared = declaredLength(req);
      if (declared !== undefined && declared > limit) throw tooLarge();
      if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
    };
    return {
      async json() {
        const tooLarge = () =>
          payloadTooLarge(
            maxJsonBytes,
            'JSON documents',
            "Send fewer items per request (smaller batches); the server's --max-json-mib sets the limit.",
          );
        start(maxJsonBytes, tooLarge);
        const chunks: Buffer[] = [];
        let held = 0;
        try {
          const size = await pumpBody(req, maxJsonBytes, tooLarge, (chunk) => {
            if (!budget.tryTake(chunk.byteLength)) throw busy(budget.capacity);
            held += chunk.byteLength;
            chunks.push(chunk);
          });
          if (size === 0) return undefined;
          const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          chunks.length = 0;
          assertJsonDepth(bytes);
          return parseJson(bytes);
        } finally {
          budget.give(held);
        }
      },
      async upload() {
        start(maxUploadBytes, () => uploadTooLarge(maxUploadBytes));
        const blob = await receiveUpload(req, uploadDir, maxUploadBytes);
        staged.push(blob);
        return blob;
      },
      get unread() {
        return hasUnreadBody(req);
      },
      async dispose() {
        // Best effort: a leftover is removed at the next start (removeStaleUploads).
        await Promise.all(staged.map((blob) => discardUpload(blob).catch(() => undefined)));
      },
    };
  }
}

function busy(capacity: number): LaunchError {
  return new LaunchError(
    'UNAVAILABLE',
    `The server is reading ${formatBytes(capacity)} of JSON request bodies at once, its limit`,
    {
      hint: "Retry in a moment; the server's --json-budget-mib sets the limit.",
    },
  );
}

/** How a NUL character can appear in JSON (a raw NUL byte is not JSON at all). */
const NUL_ESCAPE = Buffer.from('\\u0000');

/**
 * Invalid UTF-8 decodes to U+FFFD, and so does a NUL character (`\u0000`) in any string or key: the
 * stores must keep the same text, and PostgreSQL's `text` cannot hold a NUL (it failed with a 500).
 * The reviver runs only for the rare body that has one.
 */
function parseJson(bytes: Buffer): unknown {
  try {
    const text = bytes.toString('utf8');
    return bytes.includes(NUL_ESCAPE) ? JSON.parse(text, withoutNul) : JSON.parse(text);
  } catch {
    throw new LaunchError('INVALID_ARGUMENT', 'Request body is not valid JSON', {
      hint: 'Send a JSON document with content-type application/json.',
    });
  }
}

const noNul = (text: string) => text.replaceAll('\u0000', '\uFFFD');

function withoutNul(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return noNul(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (!Object.keys(value).some((k) => k.includes('\u0000'))) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, noNul(k), {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
