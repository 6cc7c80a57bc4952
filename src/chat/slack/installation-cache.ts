/**
 * A small in-process cache of lookups by key, each kept `ttlMs` after it was started, at most
 * `maxEntries` at a time (the oldest goes first: with one TTL for all, it is also the first to expire).
 * It keeps the promise, so requests arriving together share one lookup; a lookup that fails is not kept.
 */
export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export interface TtlCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
  forget(key: string): void;
}

export function createTtlCache<V>(options: TtlCacheOptions): TtlCache<V> {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<V>; expiresAt: number }>();
  return {
    get(key, load) {
      const found = entries.get(key);
      if (found && found.expiresAt > now()) return found.value;
      entries.delete(key);
      while (entries.size >= Math.max(1, options.maxEntries)) entries.delete(entries.keys().next().value!);
      const value = load();
      const entry = { value, expiresAt: now() + options.ttlMs };
      entries.set(key, entry);
      // Only this entry: a forget (and a newer lookup) may have replaced it meanwhile.
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
