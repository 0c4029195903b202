import { countsAsFailure, holdsBack, isThrottleExempt, KNOWN_GOOD_MS } from '../domain/failed-auth-throttle.js';
import { minuteWindowOf, secondsUntil } from '../domain/minute-window.js';
import { isWellFormedToken, tokenDigest } from '../domain/token-format.js';
import { incrementRateLimitCounter } from '../store/repositories/rate-limit-counters.js';
import { findTokenDigestsUsedFrom } from '../store/repositories/recent-token-use.js';
import { authenticateToken, type Authentication, type AuthenticationRequest } from './authenticate.js';
import type { ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/**
 * Token authentication on the API and forward auth, behind the failed-authentication throttle
 * (issue 14; the rules are domain/failed-auth-throttle.ts's, the memory failed-auth-throttle-state.ts's).
 * Git and the registry are behind GitLab's ban instead (failed-auth-ban.ts).
 */
export type ThrottledAuthentication = Authentication | { kind: 'throttled'; retryAfterSeconds: number };

/**
 * `presented` null: credentials that cannot hold a token (forward auth's empty Bearer or broken
 * Basic header), a failure like an unknown token. A held address is answered before any lookup,
 * unless the token is known to have worked from it within the hour; a valid token costs memory
 * only, never a database round trip. A failure is counted after the answer (its address's next
 * request waits for the count).
 */
export async function authenticateBehindThrottle(ctx: ServiceContext, presented: string | null, request: AuthenticationRequest & { ip: string }): Promise<ThrottledAuthentication> {
  const { ip } = request;
  const state = ctx.failedAuthThrottle;
  const counting = state.counted(ip);
  if (counting) await counting;
  const now = ctx.clock.now();
  const heldUntil = state.heldUntil(ip, now.getTime());
  if (heldUntil !== null && !(await workedFromThere(ctx, presented, ip, heldUntil, now))) return { kind: 'throttled', retryAfterSeconds: secondsUntil(heldUntil, now) };
  const outcome: Authentication = presented === null ? { kind: 'unknown' } : await authenticateToken(ctx, presented, request);
  if (outcome.kind === 'ok') state.rememberSuccess(presented!, ip, now.getTime());
  else if (countsAsFailure(outcome.kind)) state.countInBackground(ip, () => countFailure(ctx, ip, now));
  return outcome;
}

/** A token that authenticated from the address within the hour: as this instance saw it, else as the tokens' usage stamps say. */
async function workedFromThere(ctx: ServiceContext, presented: string | null, ip: string, heldUntil: number, now: Date): Promise<boolean> {
  if (presented === null || !isWellFormedToken(presented)) return false;
  if (ctx.failedAuthThrottle.authenticatedHereRecently(presented, ip, now.getTime())) return true;
  const since = new Date(now.getTime() - KNOWN_GOOD_MS).toISOString();
  const usedThere = await ctx.failedAuthThrottle.tokensUsedFrom(ip, heldUntil, () => findTokenDigestsUsedFrom(ctx.database.db, ip, since));
  return usedThere.has(tokenDigest(ctx.secret, presented));
}

/** One failure into the minute's shared count (unless the throttle is off or the address exempt); past the limit, the address is held. */
async function countFailure(ctx: ServiceContext, ip: string, now: Date): Promise<void> {
  const settings = await getSettings(ctx.database.db);
  const limit = settings.api_failed_auth_limit_per_minute;
  if (limit === 0 || isThrottleExempt(settings.failed_auth_throttle_allowlist, ip)) return;
  const window = minuteWindowOf(now);
  const failures = await incrementRateLimitCounter(ctx.database.db, 'api_failed_auth', ip, window.start);
  if (holdsBack(limit, failures)) ctx.failedAuthThrottle.hold(ip, window.endsAtMs);
}
