import { hash } from 'node:crypto';
import { growingLru } from './growing-lru.js';
import { isWellFormedToken, tokenDigest } from '../domain/token-format.js';
import { openAuthInvalidationFeed, type AuthInvalidationFeed } from '../store/auth-invalidations.js';
import type { Database } from '../store/database.js';
import type { TokenLookup, TokenWithUser } from '../store/repositories/tokens.js';

/**
 * Authentication from memory (issue 11; docs/architecture.md "Authentication cache"). Tokens
 * found by digest are kept, with their user, in a bounded LRU, so the hot path does no database
 * round trip; unknown well-formed values are kept apart, briefly, so a flood of random tokens
 * reaches the database once per distinct value and never pushes a valid token out.
 *
 * What is cached can only go stale through a change to its token or user row, and every such
 * change is announced (migration 0008's triggers, this process's own writes at once): the entries
 * of that user are dropped. A feed that may have missed announcements is not trusted: while it is
 * down every lookup reads the database, and once it is back everything cached is dropped. Expiry
 * is not a change: it is checked against the clock on every request. Revoked tokens are never
 * cached, so reuse detection always sees the database.
 */
export interface TokenCacheOptions {
  /** Tokens kept (each with its user row; about 1 KB each). */
  maxTokens: number;
  /** Unknown values kept, each for `unknownTtlMs`. */
  maxUnknown: number;
  unknownTtlMs: number;
}

const TOKEN_CACHE_DEFAULTS: TokenCacheOptions = { maxTokens: 100_000, maxUnknown: 100_000, unknownTtlMs: 30_000 };

interface TokenCacheStats {
  /** Answered from memory: a token, or a value known to be unknown. */
  hits: number;
  unknownHits: number;
  /** Read from the database. */
  misses: number;
  /** Read from the database because the feed is down. */
  untrusted: number;
  /** Entries dropped because their user changed; `flushes` counts the times everything was dropped. */
  invalidations: number;
  flushes: number;
}

/** Authentication's lookup: a presented token's row and user, or undefined when it matches none. */
export interface CachedTokenLookup {
  byToken(presented: string): Promise<TokenWithUser | undefined>;
  readonly stats: Readonly<TokenCacheStats>;
  /** Entries held now. */
  readonly size: { tokens: number; unknown: number };
  /** Whether the cache trusts itself (its change feed is live). */
  readonly live: boolean;
  /** PostgreSQL: the backend pid of its notification connection; null on SQLite or while down. */
  readonly listenerPid: number | null;
  close(): Promise<void>;
}

/**
 * Entries are keyed by a SHA-256 of the presented value, one call and no key, so that a cached
 * answer costs neither the HMAC (the database's digest, computed on a miss) nor the format check
 * (what was found in the database was well formed). The plain value is never kept.
 */
const cacheKeyOf = (presented: string) => hash('sha256', presented, 'base64');

export async function openCachedTokenLookup(
  database: Database,
  source: TokenLookup,
  secret: Buffer,
  options: TokenCacheOptions = TOKEN_CACHE_DEFAULTS,
): Promise<CachedTokenLookup> {
  const keysByUser = new Map<number, Set<string>>();
  const tokens = growingLru<string, TokenWithUser>(options.maxTokens, {
    dispose: (entry, key) => {
      const keys = keysByUser.get(entry.user.id);
      keys?.delete(key);
      if (keys?.size === 0) keysByUser.delete(entry.user.id);
    },
  });
  const unknown = growingLru<string, true>(options.maxUnknown, { ttl: options.unknownTtlMs, ttlAutopurge: false });
  const stats: TokenCacheStats = { hits: 0, unknownHits: 0, misses: 0, untrusted: 0, invalidations: 0, flushes: 0 };
  // Moves on every invalidation: a lookup that read the database while one happened does not keep
  // what it read (the row may predate the change).
  let epoch = 0;

  const forgetUsers = (ids: number[]) => {
    epoch += 1;
    for (const id of ids) {
      const keys = keysByUser.get(id);
      if (!keys) continue;
      stats.invalidations += keys.size;
      for (const key of [...keys]) tokens.delete(key);
    }
  };
  const forgetAll = () => {
    epoch += 1;
    tokens.clear();
    stats.flushes += 1;
  };

  const feed: AuthInvalidationFeed = await openAuthInvalidationFeed(database, { users: forgetUsers, all: forgetAll });
  const unsubscribe = database.authChanges.subscribe(forgetAll);

  const remember = (key: string, found: TokenWithUser | undefined) => {
    if (!found) return void unknown.set(key, true);
    if (found.token.revoked) return;
    tokens.set(key, found);
    let keys = keysByUser.get(found.user.id);
    if (!keys) keysByUser.set(found.user.id, (keys = new Set()));
    keys.add(key);
  };

  return {
    stats,
    get size() {
      return { tokens: tokens.size, unknown: unknown.size };
    },
    get live() {
      return feed.live;
    },
    get listenerPid() {
      return feed.listenerPid;
    },
    async byToken(presented) {
      feed.catchUp();
      const key = cacheKeyOf(presented);
      if (feed.live) {
        const cached = tokens.get(key);
        if (cached) {
          stats.hits += 1;
          return cached;
        }
        if (unknown.has(key)) {
          stats.unknownHits += 1;
          return undefined;
        }
      }
      // Malformed strings are turned away before any I/O, and not remembered: that costs nothing.
      if (!isWellFormedToken(presented)) return undefined;
      if (!feed.live) {
        stats.untrusted += 1;
        return source.byDigest(tokenDigest(secret, presented));
      }
      stats.misses += 1;
      const before = epoch;
      const found = await source.byDigest(tokenDigest(secret, presented));
      if (epoch === before && feed.live) remember(key, found);
      return found;
    },
    close: async () => {
      unsubscribe();
      await feed.close();
      forgetAll();
    },
  };
}
