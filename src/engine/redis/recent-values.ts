/** The last-known values of the keys this process used most recently, at most `limit` of them. */
export class RecentValues<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  set(key: string, value: V): void {
    // Re-inserting moves the key to the end, so the first key is the least recently set.
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size > this.limit) {
      const oldest = this.values.keys().next();
      if (!oldest.done) this.values.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.values.delete(key);
  }
}
