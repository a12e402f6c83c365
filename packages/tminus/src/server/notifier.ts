/**
 * @module In-process wake-ups for long-polls: an enqueue wakes a waiting claim, a state change wakes
 * a waiting client. Subscribe first, then check the store, then wait: a change between the check
 * and the wait is not lost.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #publish: ((topic: string) => void) | undefined;
  readonly #backstopMs: number;

  /**
   * @param options.publish tells other replicas (PostgreSQL NOTIFY); their changes arrive via `deliver`.
   * @param options.backstopMs waits re-read the store at least this often, in case a notification was lost.
   */
  constructor(options: { publish?: (topic: string) => void; backstopMs?: number } = {}) {
    this.#publish = options.publish;
    this.#backstopMs = options.backstopMs ?? Infinity;
  }

  notify(topic: string): void {
    this.deliver(topic);
    this.#publish?.(topic);
  }

  /** A change made by this or another replica: wake local waiters only. */
  deliver(topic: string): void {
    const set = this.#listeners.get(topic);
    if (set === undefined) return;
    for (const listener of set) listener();
  }

  /** Listens on topics; `wait` resolves on the first notification (or one that came since subscribing). */
  subscribe(topics: readonly string[]): Subscription {
    let fired = false;
    let wake: (() => void) | undefined;
    const listener = () => {
      fired = true;
      wake?.();
    };
    for (const topic of topics) {
      let set = this.#listeners.get(topic);
      if (set === undefined) this.#listeners.set(topic, (set = new Set()));
      set.add(listener);
    }
    return {
      wait: (ms, signal) =>
        new Promise<boolean>((resolve) => {
          if (fired || signal?.aborted) return resolve(fired);
          const done = (value: boolean) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve(value);
          };
          const onAbort = () => done(false);
          const timer = setTimeout(() => done(false), ms);
          signal?.addEventListener('abort', onAbort, { once: true });
          wake = () => done(true);
        }),
      close: () => {
        for (const topic of topics) {
          const set = this.#listeners.get(topic);
          set?.delete(listener);
          if (set?.size === 0) this.#listeners.delete(topic);
        }
      },
      get fired() {
        return fired;
      },
    };
  }

  /** Re-evaluates `check` whenever a topic fires, until it returns a value or `ms` pass. */
  async waitFor<T>(
    topics: readonly string[],
    ms: number,
    check: () => Promise<T | undefined>,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const sub = this.subscribe(topics);
      try {
        const value = await check();
        const left = deadline - Date.now();
        if (value !== undefined || left <= 0 || signal?.aborted) return value;
        if (!(await sub.wait(Math.min(left, this.#backstopMs), signal)) && Date.now() >= deadline) return check();
      } finally {
        sub.close();
      }
    }
  }
}

export interface Subscription {
  wait(ms: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
  readonly fired: boolean;
}

export const topics = {
  queue: (queueId: string) => `queue:${queueId}`,
  item: (itemId: string) => `item:${itemId}`,
  run: (runId: string) => `run:${runId}`,
  logs: (runId: string) => `logs:${runId}`,
  agent: (agentId: string) => `agent:${agentId}`,
} as const;
