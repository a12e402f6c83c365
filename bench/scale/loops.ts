/** Background request loops (many long-polls at once) that can be stopped together, and a timeout for one awaited thing. */
import { setMaxListeners } from 'node:events';

export interface Loops {
  /** Throws the first error a loop ended with, other than by `stop()`. */
  check(): void;
  /** Aborts the loops' requests and waits for them to end. */
  stop(): Promise<void>;
}

/** `count` loops in the background, each ended by `stop()` (its requests aborted) or by its first error. */
export function backgroundLoops(
  count: number,
  body: (i: number, signal: AbortSignal) => Promise<void>,
): Loops {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one abort listener per open request
  let failure: Error | undefined;
  const all = Promise.all(
    Array.from({ length: count }, (_, i) =>
      body(i, controller.signal).catch((error: unknown) => {
        if (!controller.signal.aborted)
          failure ??= error instanceof Error ? error : new Error(String(error));
      }),
    ),
  );
  return {
    check: () => {
      if (failure !== undefined) throw failure;
    },
    stop: async () => {
      controller.abort();
      await all;
    },
  };
}

/** `promise`, or an error after `timeoutMs` (so that a lost wake-up fails the bench instead of hanging it). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
