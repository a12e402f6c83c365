/** @module Loading data from the API in a component: one request per change of its inputs. */
import { useEffect, useState } from 'preact/hooks';

export type Loaded<T> =
  { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ok'; value: T };

/** Runs `load` when `deps` change (and when `reload` is called); a stale answer is dropped. */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => !controller.signal.aborted && setState({ status: 'ok', value }),
      (error: unknown) => !controller.signal.aborted && setState({ status: 'error', error }),
    );
    return () => controller.abort();
  }, [...deps, round]);
  return [state, () => setRound((r) => r + 1)];
}

/**
 * Calls `step` again and again while mounted: each call is a long-poll that the server holds until
 * something changed, so the loop waits on the server, not on a timer. After a failed call it waits
 * a little (growing to 5 s) so a stopped server is not hammered.
 */
export function useLongPoll(
  step: (signal: AbortSignal) => Promise<boolean>,
  deps: readonly unknown[],
) {
  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      let backoff = 250;
      while (!controller.signal.aborted) {
        try {
          const more = await step(controller.signal);
          backoff = 250;
          if (!more) return;
        } catch {
          if (controller.signal.aborted) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(5_000, backoff * 2);
        }
      }
    })();
    return () => controller.abort();
  }, deps);
}

/**
 * The value of a watch route (`watchQueues`, `watchAgents`), kept current: each answer carries the
 * digest of what it shows, and the next request passes it back, so the server holds it until the
 * value differs (docs/decisions/0048). Starts again from nothing when `deps` change.
 */
export function useWatched<T>(
  watch: (unless: string | undefined, signal: AbortSignal) => Promise<{ digest: string; value: T }>,
  deps: readonly unknown[],
): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  useEffect(() => setState({ status: 'loading' }), deps);
  useLongPoll(
    (() => {
      let digest: string | undefined;
      return async (signal: AbortSignal) => {
        try {
          const answer = await watch(digest, signal);
          if (signal.aborted) return false;
          digest = answer.digest;
          setState({ status: 'ok', value: answer.value });
          return true;
        } catch (error) {
          if (!signal.aborted) setState({ status: 'error', error });
          throw error;
        }
      };
    })(),
    deps,
  );
  return state;
}
