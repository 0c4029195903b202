import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Database } from '../store/database.js';
import { createTokenLookup } from '../store/repositories/tokens.js';
import { FailedAuthThrottleState } from './failed-auth-throttle-state.js';
import { openCachedTokenLookup, type CachedTokenLookup, type TokenCacheOptions } from './token-cache.js';
import { TokenUsageRecorder } from './token-usage.js';

/** What every use case receives: no globals, so tests can inject a clock and a database. */
export interface ServiceContext {
  database: Database;
  clock: Clock;
  config: Config;
  /** Key of token digests. */
  secret: Buffer;
  /** Authentication's lookup by digest: the prepared query behind the authentication cache. */
  tokenLookup: CachedTokenLookup;
  /** `last_used_at` and IPs, written in batches off the request path. */
  tokenUsage: TokenUsageRecorder;
  /** What this instance knows of the failed-authentication throttle (held addresses, tokens known to work). */
  failedAuthThrottle: FailedAuthThrottleState;
}

export const nowIso = (ctx: Pick<ServiceContext, 'clock'>): string => ctx.clock.now().toISOString();
export const todayUtc = (ctx: Pick<ServiceContext, 'clock'>): string => nowIso(ctx).slice(0, 10);

/**
 * The context of a running instance: the hot path's prepared token lookup and its cache are made
 * here, once. `close` before closing the database (the cache holds a PostgreSQL connection).
 */
export async function openServiceContext(parts: Omit<ServiceContext, 'tokenLookup' | 'tokenUsage' | 'failedAuthThrottle'>, cache?: TokenCacheOptions): Promise<ServiceContext> {
  return {
    ...parts,
    tokenLookup: await openCachedTokenLookup(parts.database, createTokenLookup(parts.database), parts.secret, cache),
    tokenUsage: new TokenUsageRecorder(parts.database, parts.clock),
    failedAuthThrottle: new FailedAuthThrottleState(),
  };
}

/** Writes the queued usage stamps and failure counts and lets go of the cache's connection; the database stays open. */
export async function closeServiceContext(ctx: ServiceContext): Promise<void> {
  await ctx.tokenUsage.flush();
  await ctx.failedAuthThrottle.idle();
  await ctx.tokenLookup.close();
}
