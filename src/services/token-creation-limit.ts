import { throttled, type Failed } from '../domain/errors.js';
import { minuteWindowOf, secondsUntil } from '../domain/minute-window.js';
import type { Db } from '../store/repositories/common.js';
import { incrementRateLimitCounter } from '../store/repositories/rate-limit-counters.js';
import type { Caller } from './caller.js';
import type { ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/**
 * The per-user limit on token creations (issue 14): `token_creations_limit_per_minute` tokens per
 * user and minute, personal, group and project alike, so that a stolen session or token cannot
 * mint tokens by the thousand. Counted in the creating transaction, in the counter every instance
 * shares: a refusal rolls the count back with everything else, so only tokens actually created
 * count. The console (an operator at the server) is not limited.
 */
export async function tokenCreationRefusal(ctx: ServiceContext, db: Db, caller: Caller | undefined): Promise<Failed | null> {
  if (!caller || caller.via === 'console') return null;
  const limit = (await getSettings(db)).token_creations_limit_per_minute;
  if (limit === 0) return null;
  const now = ctx.clock.now();
  const window = minuteWindowOf(now);
  const created = await incrementRateLimitCounter(db, 'token_creations', String(caller.id), window.start);
  return created > limit ? throttled('token_creations_limited', secondsUntil(window.endsAtMs, now)) : null;
}
