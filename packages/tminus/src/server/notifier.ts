/**
 * @module In-process wake-ups for long-polls: an enqueue wakes a waiting claim, a state change wakes
 * a waiting client. Subscribe first, then check the store, then wait: a change between the check
 * and the wait is not lost.
 *
 * Two kinds of notification:
 * - `notify(topic)` wakes every waiter (a run changed: everyone watching it wants to know);
 * - `notifyEach(topic, n)` says n things appeared that each waiter takes one of (items on a queue):
 *   it wakes n waiters, not all. With 1,000 agents long-polling one queue, waking all of them for
 *   every item made 999 fruitless claim attempts per item (docs/decisions/0012). A waiter given such
 *   a wake that ends without using it — it took something else, timed out, or its client left —
 *   passes it on to another waiter, so no item is left waiting while an agent could take it.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #publish: ((message: string) => void) | undefined;
  readonly #backstopMs: number;
  #sequence = 0;

  /**
   * @param options.publish tells other replicas (PostgreSQL NOTIFY); their messages arrive via `deliver`.
   * @param options.backstopMs waits re-read the store at least this often, in case a notification was lost.
   */
  constructor(options: { publish?: (message: string) => void; backstopMs?: number } = {}) {
    this.#publish = options.publish;
    this.#backstopMs = options.backstopMs ?? Infinity;
  }

  /** Wakes every waiter on `topic`, here and on other replicas. */
  notify(topic: string): void {
    this.#wakeAll(topic);
    this.#publish?.(topic);
  }

  /** `count` things appeared on `topic`, each for one waiter: wakes `count` waiters, here and on other replicas. */
  notifyEach(topic: string, count = 1): void {
    if (count <= 0) return;
    this.#wakeSome(topic, count);
    this.#wakeWatchers(topic);
    // The sequence number keeps PostgreSQL from folding identical messages of one transaction into one.
    this.#publish?.(`${topic} ${count} ${this.#sequence++}`);
  }

  /** A message published by another replica: wakes local waiters only. */
  deliver(message: string): void {
    const [topic, count] = message.split(' ');
    if (topic === undefined) return;
    if (count === undefined) this.#wakeAll(topic);
    else {
      this.#wakeSome(topic, Number(count) || 1);
      this.#wakeWatchers(topic);
    }
  }

  #wakeAll(topic: string): void {
    for (const listener of this.#listeners.get(topic) ?? []) listener.wake(undefined);
    this.#wakeWatchers(topic);
  }

  /**
   * Whoever watches a list (of runs, of queues' items) hears of every change of one of its things
   * without naming each: a wake of `run:…` also wakes `runs`, of `queue:…` or `item:…` also `queues`.
   */
  #wakeWatchers(topic: string): void {
    const broad = topic.startsWith('run:')
      ? topics.anyRun
      : topic.startsWith('queue:') || topic.startsWith('item:')
        ? topics.anyQueue
        : undefined;
    if (broad === undefined) return;
    for (const listener of this.#listeners.get(broad) ?? []) listener.wake(undefined);
  }

  /** Prefers waiters idle in `wait()` and not already owed a wake, so each wake lands on a different one. */
  #wakeSome(topic: string, count: number): void {
    const set = this.#listeners.get(topic);
    if (set === undefined) return;
    if (count === 1) {
      let best: Listener | undefined;
      for (const listener of set)
        if (best === undefined || listener.rank() < best.rank()) best = listener;
      best?.wake(topic);
      return;
    }
    const ranked = [...set].sort((a, b) => a.rank() - b.rank());
    for (const listener of ranked.slice(0, count)) listener.wake(topic);
  }

  /** Calls `fn` whenever `topic` is notified, here or by another replica, until the returned function is called. */
  watch(topic: string, fn: () => void): () => void {
    // Never chosen for a one-taker wake (`notifyEach`), which is meant for waiting claims.
    const listener: Listener = { wake: () => fn(), rank: () => Number.MAX_SAFE_INTEGER };
    let set = this.#listeners.get(topic);
    if (set === undefined) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => void this.#listeners.get(topic)?.delete(listener);
  }

  /** Listens on topics; `wait` resolves on the first wake since the last `checking()`. */
  subscribe(topics: readonly string[]): Subscription {
    let fired = false;
    let closed = false;
    let resolveWait: (() => void) | undefined;
    /** Wakes for one taker received since the last check began, and those the running check serves. */
    let owed: string[] = [];
    let serving: string[] = [];
    const listener: Listener = {
      wake: (topic) => {
        if (closed) return;
        if (topic !== undefined) owed.push(topic);
        fired = true;
        resolveWait?.();
      },
      rank: () => (resolveWait === undefined ? 1 : 0) + owed.length * 2,
    };
    for (const topic of topics) {
      let set = this.#listeners.get(topic);
      if (set === undefined) this.#listeners.set(topic, (set = new Set()));
      set.add(listener);
    }
    return {
      checking: () => {
        serving = owed;
        owed = [];
        fired = false;
      },
      served: (topic) => {
        // The check took something: one wake for its topic is used; the others go back to be passed on.
        const at = topic === undefined ? -1 : serving.indexOf(topic);
        if (at !== -1) serving.splice(at, 1);
        owed.push(...serving);
        serving = [];
      },
      wait: (ms, signal) =>
        new Promise<boolean>((resolve) => {
          if (fired || signal?.aborted) return resolve(fired);
          const done = (value: boolean) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolveWait = undefined;
            resolve(value);
          };
          const onAbort = () => done(false);
          const timer = setTimeout(() => done(false), ms);
          signal?.addEventListener('abort', onAbort, { once: true });
          resolveWait = () => done(true);
        }),
      close: () => {
        if (closed) return;
        closed = true;
        for (const topic of topics) {
          const set = this.#listeners.get(topic);
          set?.delete(listener);
          if (set?.size === 0) this.#listeners.delete(topic);
        }
        // Wakes this waiter was given and did not use: another waiter takes them (local only: the
        // other replicas were told already).
        for (const topic of owed) this.#wakeSome(topic, 1);
      },
      get fired() {
        return fired;
      },
    };
  }

  /**
   * Re-evaluates `check` whenever a topic fires, until it returns a value or `ms` pass. `takes` names
   * the `notifyEach` topic a value used up (a claim's queue), so that other wakes are passed on.
   */
  async waitFor<T>(
    topics: readonly string[],
    ms: number,
    check: () => Promise<T | undefined>,
    signal?: AbortSignal,
    takes?: (value: T) => string | undefined,
  ): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    const sub = this.subscribe(topics);
    try {
      for (;;) {
        // A client that went away claims nothing more; its wakes are passed on by close().
        if (signal?.aborted) return undefined;
        sub.checking();
        const value = await check();
        if (value !== undefined) {
          sub.served(takes?.(value));
          return value;
        }
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await sub.wait(Math.min(left, this.#backstopMs), signal);
      }
    } finally {
      sub.close();
    }
  }
}

interface Listener {
  /** `topic` for a wake meant for one taker; `undefined` for a wake of all. */
  wake(topic: string | undefined): void;
  /** Lower is a better choice for a one-taker wake. */
  rank(): number;
}

export interface Subscription {
  /** A check of the store begins: wakes so far are what it serves. */
  checking(): void;
  /** The check returned a value that used up a wake of `topic` (if any); other wakes are passed on at close. */
  served(topic: string | undefined): void;
  wait(ms: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
  readonly fired: boolean;
}

export const topics = {
  queue: (queueId: string) => `queue:${queueId}`,
  item: (itemId: string) => `item:${itemId}`,
  run: (runId: string) => `run:${runId}`,
  /** Any run changed (woken with every `run:` topic): live lists of runs re-read their page. */
  anyRun: 'runs',
  /** Any queue's items changed (woken with every `queue:` and `item:` topic), or a queue was made. */
  anyQueue: 'queues',
  /** An agent registered, or reported a new status or number of runs: live boards of agents. */
  anyAgent: 'agents',
  logs: (runId: string) => `logs:${runId}`,
  agent: (agentId: string) => `agent:${agentId}`,
  /** Keys, users or memberships changed: cached credentials must be resolved again. */
  access: 'access',
} as const;
