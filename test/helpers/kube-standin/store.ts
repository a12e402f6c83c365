/**
 * The object store of the Kubernetes API server stand-in: objects by resource, namespace and name,
 * one resourceVersion counter for all of them (as etcd's revision), and a bounded history of events
 * that watches are served from. A watch from a version older than the history answers 410 Gone, as
 * the real API server does once etcd has compacted it (`compact()` forces that in tests).
 */
import { randomUUID } from 'node:crypto';

export type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
};

export interface WatchEvent {
  readonly rv: number;
  readonly resource: string;
  readonly namespace: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Obj;
}

type Listener = (event: WatchEvent) => void;

export class ObjectStore {
  readonly #objects = new Map<string, Obj>();
  #history: WatchEvent[] = [];
  #rv = 1;
  /** Events before this version are gone: a watch from earlier answers 410. */
  #oldest = 1;
  readonly #listeners = new Set<Listener>();

  constructor(private readonly historyLimit = 5000) {}

  get resourceVersion(): string {
    return String(this.#rv);
  }

  #key(resource: string, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  get(resource: string, namespace: string, name: string): Obj | undefined {
    return this.#objects.get(this.#key(resource, namespace, name));
  }

  listAll(resource: string): Obj[] {
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(`${resource}/`))
      .map(([, o]) => o);
  }

  list(resource: string, namespace: string, labelSelector?: string): Obj[] {
    const prefix = `${resource}/${namespace}/`;
    return [...this.#objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && matches(o, labelSelector))
      .map(([, o]) => o);
  }

  #record(resource: string, namespace: string, type: WatchEvent['type'], object: Obj): void {
    const event = { rv: this.#rv, resource, namespace, type, object: structuredClone(object) };
    this.#history.push(event);
    if (this.#history.length > this.historyLimit) {
      this.#history.splice(0, this.#history.length - this.historyLimit);
      this.#oldest = this.#history[0]?.rv ?? this.#rv;
    }
    for (const listener of this.#listeners) listener(event);
  }

  create(resource: string, namespace: string, object: Obj): Obj {
    const key = this.#key(resource, namespace, object.metadata.name);
    if (this.#objects.has(key))
      throw new Conflict(`${resource} "${object.metadata.name}" already exists`);
    this.#rv++;
    object.metadata = {
      ...object.metadata,
      namespace,
      uid: randomUUID(),
      resourceVersion: String(this.#rv),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    this.#objects.set(key, object);
    this.#record(resource, namespace, 'ADDED', object);
    return object;
  }

  /** Changes an object in place (`change` mutates it) and tells watchers. */
  update(
    resource: string,
    namespace: string,
    name: string,
    change: (o: Obj) => void,
  ): Obj | undefined {
    const object = this.get(resource, namespace, name);
    if (object === undefined) return undefined;
    change(object);
    this.#rv++;
    object.metadata.resourceVersion = String(this.#rv);
    this.#record(resource, namespace, 'MODIFIED', object);
    return object;
  }

  delete(resource: string, namespace: string, name: string): Obj | undefined {
    const key = this.#key(resource, namespace, name);
    const object = this.#objects.get(key);
    if (object === undefined) return undefined;
    this.#objects.delete(key);
    this.#rv++;
    object.metadata.resourceVersion = String(this.#rv);
    this.#record(resource, namespace, 'DELETED', object);
    return object;
  }

  /** Events after `rv` of a resource in a namespace, or `gone` when history no longer reaches it. */
  since(resource: string, namespace: string, rv: number): WatchEvent[] | 'gone' {
    if (rv + 1 < this.#oldest) return 'gone';
    return this.#history.filter(
      (e) => e.rv > rv && e.resource === resource && e.namespace === namespace,
    );
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets the history (etcd compaction): every watch from an earlier version answers 410. */
  compact(): void {
    this.#history = [];
    this.#oldest = this.#rv + 1;
  }
}

export class Conflict extends Error {}

/** Equality-based label selectors (`a=b,c=d`, `a==b`, `a!=b`, `a`), what the runner uses. */
export function matches(object: Obj, labelSelector: string | undefined): boolean {
  if (labelSelector === undefined || labelSelector === '') return true;
  const labels = object.metadata.labels ?? {};
  return labelSelector.split(',').every((term) => {
    const ne = term.split('!=');
    if (ne.length === 2) return labels[ne[0] ?? ''] !== ne[1];
    const [k, v] = term.split(/==?/);
    if (k === undefined) return false;
    return v === undefined ? k in labels : labels[k] === v;
  });
}

/** A field selector of `path=value` terms (`involvedObject.name=x,type=Warning`), as lists take it. */
export function fieldsMatch(object: Obj, fieldSelector: string | undefined): boolean {
  if (fieldSelector === undefined || fieldSelector === '') return true;
  return fieldSelector.split(',').every((term) => {
    const [path = '', value] = term.split(/==?/);
    let at: unknown = object;
    for (const key of path.split('.'))
      at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
    return String(at) === value;
  });
}
