/**
 * @module The one rule of every watch route (`watchRuns`, `watchQueues`, `watchAgents`): the answer
 * carries the digest of what it shows; given the digest the caller has (`unless`), it is answered at
 * once when they differ, else held until one of `topics` fires and a re-read differs, or `waitMs`
 * passes (then the current state, changed or not). The digest, not an event, says what the caller
 * has, so a change between two requests is never lost (docs/decisions/0039, 0048).
 */
import { createHash } from 'node:crypto';

import type { Notifier } from '../notifier.js';

/** Content digest of a JSON value: equal values (same key order) give equal digests. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

export interface WatchRequest {
  /** The digest of what the caller shows, if any. */
  readonly unless?: string | undefined;
  readonly waitMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** `read`'s value and its digest, as soon as the digest is not `unless` (or `waitMs` passed). */
export async function watchDigest<T>(
  notifier: Notifier,
  topics: readonly string[],
  read: () => Promise<T>,
  { unless, waitMs, signal }: WatchRequest,
): Promise<{ digest: string; value: T }> {
  const current = async () => {
    const value = await read();
    return { digest: digestOf(value), value };
  };
  if (unless === undefined || waitMs === 0) return current();
  const changed = await notifier.waitFor(
    topics,
    waitMs,
    async () => {
      const now = await current();
      return now.digest === unless ? undefined : now;
    },
    signal,
  );
  return changed ?? current();
}
