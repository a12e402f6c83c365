/**
 * @module A Map that forgets its oldest entries past a size: the services' caches of immutable facts
 * (agents' registrations, queues, pinned jobs) must not grow for the life of a server that sees
 * agents come and go for months.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
