/**
 * @module One watch of pods per namespace, shared by every run the agent follows there (not one per
 * run): the pods carrying this agent's labels are listed once, then watched from the list's
 * resourceVersion; each event goes to the followers of that pod's run. A watch that ends (the API
 * server closes them after a while) is resumed from the last resourceVersion seen; one the server
 * answers with 410 Gone (that version is too old) lists again, and every follower is told the
 * current state of its pods. A follower added later gets the pods already known at once.
 */
import type { PodView } from './status.js';

export type PodEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface PodFollower {
  onPod(type: PodEvent, pod: PodView): void;
}

/** What the watch needs of the API (kube-api.ts): a list and a watch of pods by label. */
export interface PodSource {
  listPods(
    namespace: string,
    labelSelector: string,
  ): Promise<{ pods: PodView[]; resourceVersion: string }>;
  /**
   * Watches from `resourceVersion`; `onEvent` per event; resolves when the watch ends: `gone` when
   * the server answered 410 (relist), else normally or with an error (resume after a pause).
   */
  watchPods(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (
      type: PodEvent | 'BOOKMARK',
      pod: PodView & { metadata?: { resourceVersion?: string } },
    ) => void,
    signal: AbortSignal,
  ): Promise<{ gone: boolean; error?: Error }>;
}

interface NamespaceWatch {
  readonly followers: Map<string, Set<PodFollower>>;
  /** The pods last seen, by name: handed to a follower that joins late. */
  readonly pods: Map<string, PodView>;
  readonly abort: AbortController;
  resourceVersion: string | undefined;
}

export interface PodWatchOptions {
  /** The pause before a failed watch or list is tried again. @default 1000 */
  readonly retryMs?: number;
  readonly log?: (line: string) => void;
}

export class PodWatch {
  readonly #watches = new Map<string, NamespaceWatch>();
  /** Watch connections opened so far (for the bench: one per namespace, plus resumes). */
  opened = 0;

  constructor(
    private readonly source: PodSource,
    /** Selects every pod this agent started (its agent label). */
    private readonly labelSelector: string,
    /** The key of a pod's run (from its labels), which followers are registered under. */
    private readonly keyOf: (pod: PodView) => string | undefined,
    private readonly options: PodWatchOptions = {},
  ) {}

  /** Namespaces watched now. */
  get namespaces(): number {
    return this.#watches.size;
  }

  /** Follows the pods of run `key` in `namespace`; the returned function stops. */
  follow(namespace: string, key: string, follower: PodFollower): () => void {
    let watch = this.#watches.get(namespace);
    if (watch === undefined) {
      watch = {
        followers: new Map(),
        pods: new Map(),
        abort: new AbortController(),
        resourceVersion: undefined,
      };
      this.#watches.set(namespace, watch);
      void this.#run(namespace, watch);
    }
    let set = watch.followers.get(key);
    if (set === undefined) watch.followers.set(key, (set = new Set()));
    set.add(follower);
    for (const pod of watch.pods.values())
      if (this.keyOf(pod) === key) follower.onPod('ADDED', pod);
    const w = watch;
    return () => {
      set.delete(follower);
      if (set.size === 0) w.followers.delete(key);
      if (w.followers.size === 0) {
        w.abort.abort();
        this.#watches.delete(namespace);
      }
    };
  }

  #deliver(watch: NamespaceWatch, type: PodEvent, pod: PodView): void {
    const key = this.keyOf(pod);
    const followers = key === undefined ? undefined : watch.followers.get(key);
    // Only the pods of followed runs are kept (other agents' runs share the namespace).
    const name = pod.metadata?.name;
    if (name !== undefined) {
      if (type === 'DELETED' || followers === undefined) watch.pods.delete(name);
      else watch.pods.set(name, pod);
    }
    for (const follower of followers ?? []) follower.onPod(type, pod);
  }

  async #relist(namespace: string, watch: NamespaceWatch): Promise<void> {
    const { pods, resourceVersion } = await this.source.listPods(namespace, this.labelSelector);
    const now = new Set(pods.map((p) => p.metadata?.name));
    // Pods that went while nobody watched: their followers hear they are gone.
    for (const [name, pod] of watch.pods) if (!now.has(name)) this.#deliver(watch, 'DELETED', pod);
    for (const pod of pods)
      this.#deliver(watch, watch.pods.has(pod.metadata?.name ?? '') ? 'MODIFIED' : 'ADDED', pod);
    watch.resourceVersion = resourceVersion;
  }

  async #run(namespace: string, watch: NamespaceWatch): Promise<void> {
    const { signal } = watch.abort;
    const pause = () => new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1000));
    let troubled = false;
    while (!signal.aborted) {
      try {
        if (watch.resourceVersion === undefined) await this.#relist(namespace, watch);
        this.opened++;
        const end = await this.source.watchPods(
          namespace,
          this.labelSelector,
          watch.resourceVersion ?? '0',
          (type, pod) => {
            const rv = pod.metadata?.resourceVersion;
            if (rv !== undefined) watch.resourceVersion = rv;
            if (type !== 'BOOKMARK') this.#deliver(watch, type, pod);
          },
          signal,
        );
        if (end.gone) watch.resourceVersion = undefined; // too old: list again
        if (end.error !== undefined) throw end.error;
        troubled = false;
      } catch (error) {
        if (signal.aborted) return;
        if (!troubled)
          this.options.log?.(
            `Kubernetes: cannot watch pods in namespace ${namespace} (${(error as Error).message}); trying again`,
          );
        troubled = true;
        await pause();
      }
    }
  }

  /** Tells the followers of run `key` the state of `pod` as read now (a re-attaching runner's list). */
  replay(namespace: string, key: string, pod: PodView): void {
    const watch = this.#watches.get(namespace);
    if (watch === undefined || this.keyOf(pod) !== key) return;
    this.#deliver(watch, watch.pods.has(pod.metadata?.name ?? '') ? 'MODIFIED' : 'ADDED', pod);
  }

  /** Ends every watch (the agent stops). */
  close(): void {
    for (const watch of this.#watches.values()) watch.abort.abort();
    this.#watches.clear();
  }
}
