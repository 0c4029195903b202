import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Database } from '../store/database.js';
import { createTokenLookup, type TokenLookup } from '../store/repositories/tokens.js';

/** What every use case receives: no globals, so tests can inject a clock and a database. */
export interface ServiceContext {
  database: Database;
  clock: Clock;
  config: Config;
  /** Key of token digests. */
  secret: Buffer;
  tokenLookup: TokenLookup;
}

export const nowIso = (ctx: Pick<ServiceContext, 'clock'>): string => ctx.clock.now().toISOString();
export const todayUtc = (ctx: Pick<ServiceContext, 'clock'>): string => nowIso(ctx).slice(0, 10);

/** The context of a running instance: the hot path's prepared token lookup is made here, once. */
export const createServiceContext = (parts: Omit<ServiceContext, 'tokenLookup'>): ServiceContext => ({
  ...parts,
  tokenLookup: createTokenLookup(parts.database),
});
