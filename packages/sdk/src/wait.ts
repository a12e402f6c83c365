/**
 * @module Long-poll helpers: wait for a server-side condition by holding requests open (the server
 * answers as soon as the state changes), never by sleeping between polls.
 */
import { LaunchError } from './errors.js';

export interface WaitOptions {
  /** Abort the wait. */
  readonly signal?: AbortSignal;
  /** Give up after this long with a `TIMEOUT` LaunchError. Default: wait forever. */
  readonly timeoutMs?: number;
}

/** Longest a single long-poll request is held open by the server. */
export const LONG_POLL_MS = 25_000;

/**
 * Repeats `poll(waitMs)` until it returns a value. Each call may block on the server for up to
 * `waitMs`; the loop only ends on a value, on abort, or on timeout.
 */
export async function longPoll<T>(
  what: string,
  poll: (waitMs: number, signal: AbortSignal | undefined) => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal?.aborted) {
      throw new LaunchError('ABORTED', `Stopped waiting for ${what}: aborted`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new LaunchError(
        'TIMEOUT',
        `Timed out waiting for ${what} after ${options.timeoutMs} ms`,
        {
          hint: 'Check `tminus run explain`/`tminus agent list`: is an agent polling the queue?',
        },
      );
    }
    const value = await poll(Math.min(LONG_POLL_MS, remaining), options.signal);
    if (value !== undefined) return value;
  }
}
