/** A bounded map that forgets the least recently used entry first (Map keeps insertion order). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  /** The most recent key: a hit on it (one client's requests in a row) needs no move. */
  private newest: K | undefined = undefined;
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined || key === this.newest) return value;
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    if (key === this.newest) this.newest = undefined;
    this.map.delete(key);
  }

  clear(): void {
    this.newest = undefined;
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
