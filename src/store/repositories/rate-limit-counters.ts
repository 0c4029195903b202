import '../schema-rate-limits.js';
import type { Db } from './common.js';

export type RateLimitCounter = 'api_failed_auth' | 'token_creations';

/**
 * Adds one to the subject's count for the minute and answers the new count, in one statement
 * (an upsert that every instance may run at once: the database serialises them on the row).
 * The minute's first hit also prunes the counter's past minutes, so the table holds about one
 * minute of subjects.
 */
export async function incrementRateLimitCounter(db: Db, counter: RateLimitCounter, subject: string, windowStart: string): Promise<number> {
  const row = await db
    .insertInto('rate_limit_counters')
    .values({ counter, subject, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(['counter', 'window_start', 'subject']).doUpdateSet((eb) => ({ hits: eb('rate_limit_counters.hits', '+', 1) })))
    .returning('hits')
    .executeTakeFirstOrThrow();
  const hits = Number(row.hits);
  if (hits === 1) await db.deleteFrom('rate_limit_counters').where('counter', '=', counter).where('window_start', '<', windowStart).execute();
  return hits;
}
