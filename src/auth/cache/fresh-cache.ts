import type { Clock } from '../../shared/clock.js';

export interface FreshCache<K, V> {
  /** The value loaded at most `maxAgeMs` ago, or a new load (one at a time per key). */
  get(key: K, load: () => Promise<V>): Promise<V>;
  delete(key: K): void;
  /** Drops every entry whose key matches. */
  deleteWhere(match: (key: K) => boolean): void;
  clear(): void;
}

/**
 * Database reads the token endpoints repeat on every grant (the client, its secret, the user, the
 * membership), kept for at most `maxAgeMs`: a change another process makes is seen within that
 * even when its announcement on the bus is lost, and at once when it arrives (the owner deletes
 * the entry). The promise is what is kept, so concurrent misses share one query, and a load that
 * was in flight when its entry was dropped is never stored over the drop: the next caller loads
 * anew, after the change. Failed loads are not kept.
 */
export function createFreshCache<K, V>(options: { clock: Clock; maxAgeMs: number; maxEntries: number }): FreshCache<K, V> {
  const entries = new Map<K, { value: Promise<V>; loadedAt: number }>();
  return {
    get(key, load) {
      const now = options.clock.now();
      const hit = entries.get(key);
      if (hit && now - hit.loadedAt < options.maxAgeMs && now >= hit.loadedAt) return hit.value;
      const value = load();
      entries.delete(key);
      entries.set(key, { value, loadedAt: now });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      // Oldest first: Map keeps insertion order, and a refreshed key was re-inserted above.
      if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as K);
      return value;
    },
    delete: (key) => void entries.delete(key),
    deleteWhere(match) {
      for (const key of entries.keys()) if (match(key)) entries.delete(key);
    },
    clear: () => entries.clear(),
  };
}
