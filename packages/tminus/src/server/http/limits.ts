/**
 * @module The HTTP server's limits and their defaults: how large a request body may be, how many
 * bytes of JSON bodies are held in memory at once, how long a client may take to send a request,
 * and how many connections may be open. `tminus server --help` lists the flags that set them.
 */
import { LaunchError } from '@tminus/sdk';

const MiB = 1024 ** 2;

export interface HttpLimits {
  /** Largest JSON request body (a batch of enqueues, of log lines). */
  readonly maxJsonBytes: number;
  /** Largest upload (`PUT /api/v1/blobs`, a code snapshot); streamed to disk, never held in memory. */
  readonly maxUploadBytes: number;
  /**
   * Bytes of JSON bodies held in memory at once, over all requests. A request whose body would pass
   * it is answered 503 `UNAVAILABLE` at once (no waiting: a waiting request would hold its
   * connection and its bytes read so far); clients retry.
   */
  readonly jsonBudgetBytes: number;
  /** Time a client has to send a request's headers (node's `headersTimeout`; 0 = no limit). */
  readonly headersTimeoutMs: number;
  /**
   * Time a client has to send a whole request, headers and body (node's `requestTimeout`; 0 = no
   * limit). Answering may take longer: a long-poll waits up to 60 s after its request arrived.
   */
  readonly requestTimeoutMs: number;
  /** Open connections at most (node's `maxConnections`); more are closed on arrival. Every long-polling agent holds one. */
  readonly maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxJsonBytes: 64 * MiB,
  maxUploadBytes: 1024 * MiB,
  jsonBudgetBytes: 256 * MiB,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxConnections: 10_000,
};

/** The defaults with the given values over them (`undefined` keeps the default). */
export function resolveHttpLimits(given: Partial<HttpLimits> = {}): HttpLimits {
  const pick = (key: keyof HttpLimits, min: number): number => {
    const value = given[key] ?? DEFAULT_HTTP_LIMITS[key];
    if (!Number.isSafeInteger(value) || value < min)
      throw new LaunchError('INVALID_ARGUMENT', `${key} must be an integer ≥ ${min}; got ${value}`);
    return value;
  };
  return {
    maxJsonBytes: pick('maxJsonBytes', 1),
    maxUploadBytes: pick('maxUploadBytes', 1),
    jsonBudgetBytes: pick('jsonBudgetBytes', 1),
    headersTimeoutMs: pick('headersTimeoutMs', 0),
    requestTimeoutMs: pick('requestTimeoutMs', 0),
    maxConnections: pick('maxConnections', 1),
  };
}

/** `64 MiB`, `512 KiB`, `1000 bytes`: limits as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
