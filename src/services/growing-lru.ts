import { LRUCache } from 'lru-cache';

/**
 * An LRU cache of at most `entries` items whose storage grows as it fills. lru-cache allocates
 * storage for `max` items when it is made: for the 100,000-entry caches of authentication and the
 * throttle that was ~60 ms and ~14 MB at every start and every console command, for caches that
 * most instances never fill. Bounding by size (each item counts 1) keeps the bound and allocates
 * nothing up front (node_modules/lru-cache/README.md, "Storage Bounds Safety").
 */
export function growingLru<K extends {}, V extends {}>(
  entries: number,
  options: Omit<LRUCache.Options<K, V, unknown>, 'max' | 'maxSize' | 'sizeCalculation'> = {},
): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: entries, sizeCalculation: () => 1 });
}
