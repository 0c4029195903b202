import { banEndsAt, failedAuthBanPolicy, failureWindowStart, shouldBan, type FailedAuthBanPolicy } from '../domain/failed-auth-ban.js';
import { transaction } from '../store/database.js';
import {
  countFailedAuthenticationsAfter,
  deleteFailedAuthenticationsOf,
  deleteFailedAuthenticationsUpTo,
  findIpBanState,
  insertFailedAuthentication,
  upsertIpBan,
} from '../store/repositories/ip-bans.js';
import { authenticateToken, type AuthenticationRequest } from './authenticate.js';
import type { TokenAuthenticatedCaller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/**
 * GitLab's failed-authentication ban (§3.5, Gitlab::Auth::IpRateLimiter) where a token comes as a
 * Basic password: Git over HTTP and the container registry's /jwt/auth. Too many failed
 * authentications from one IP ban that IP for a while. The counts and bans live in the database,
 * so every instance sees them and a restart does not lift them. (The API and forward auth are
 * throttled instead: failed-auth-throttle.ts.)
 */

const currentBanPolicy = async (ctx: ServiceContext): Promise<FailedAuthBanPolicy> => failedAuthBanPolicy(await getSettings(ctx.database.db));

export interface IpBanState {
  policy: FailedAuthBanPolicy;
  banned: boolean;
  /** Failures are being counted for the IP (a success then clears them). */
  hasFailures: boolean;
}

/** The ban settings and the IP's standing, read together (every credentialed Git or registry request asks). */
export async function ipBanState(ctx: ServiceContext, ip: string): Promise<IpBanState> {
  const [policy, { bannedUntil, hasFailures }] = await Promise.all([currentBanPolicy(ctx), findIpBanState(ctx.database.db, ip)]);
  if (!policy.enabled) return { policy, banned: false, hasFailures: false };
  return { policy, banned: bannedUntil !== null && bannedUntil > nowIso(ctx), hasFailures };
}

export const isIpBanned = async (ctx: ServiceContext, ip: string): Promise<boolean> => (await ipBanState(ctx, ip)).banned;

/** Counts one failure; returns true when it banned the IP (the next request is refused). */
export async function recordFailedAuthentication(ctx: ServiceContext, ip: string, policy?: FailedAuthBanPolicy): Promise<boolean> {
  const effective = policy ?? (await currentBanPolicy(ctx));
  if (!effective.enabled) return false;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const cutoff = failureWindowStart(effective, now).toISOString();
  return transaction(ctx.database, async (trx) => {
    await deleteFailedAuthenticationsUpTo(trx, cutoff);
    await insertFailedAuthentication(trx, ip, at);
    if (!shouldBan(effective, await countFailedAuthenticationsAfter(trx, ip, cutoff))) return false;
    await upsertIpBan(trx, ip, banEndsAt(effective, now).toISOString(), at);
    // The ban replaces the count: once it lifts, the IP starts afresh.
    await deleteFailedAuthenticationsOf(trx, ip);
    return true;
  });
}

/**
 * A success clears the IP's count, as GitLab does ("repeated login failures are normal behavior for
 * some Git clients"). Other IPs are untouched; a ban is not lifted (a banned IP never gets this far).
 */
export async function clearFailedAuthentications(ctx: ServiceContext, ip: string): Promise<void> {
  await deleteFailedAuthenticationsOf(ctx.database.db, ip);
}

export type IpGuardedAuthentication =
  | { kind: 'ok'; caller: TokenAuthenticatedCaller }
  | { kind: 'banned' }
  | { kind: 'blocked' }
  /**
   * `authentication`: how the token's authentication ended, when a token could be looked up; a
   * token used from outside its allowlist (`ip_refused`) is a failure like any other, and counts.
   */
  | { kind: 'failed'; authentication?: 'unknown' | 'expired' | 'revoked' | 'ip_refused' };

/**
 * A token presented as a Basic password (Git's, the registry's): authenticated by the one
 * authentication service, behind the IP ban — a banned IP is refused before any lookup, a failure
 * counts towards the ban, a success clears the count. `presented` null: credentials that cannot
 * hold a token (a Basic header without a password).
 */
export async function authenticateBehindIpBan(ctx: ServiceContext, presented: string | null, request: AuthenticationRequest & { ip: string }): Promise<IpGuardedAuthentication> {
  const banState = await ipBanState(ctx, request.ip);
  if (banState.banned) return { kind: 'banned' };
  const failed = async (authentication?: 'unknown' | 'expired' | 'revoked' | 'ip_refused'): Promise<IpGuardedAuthentication> => {
    await recordFailedAuthentication(ctx, request.ip, banState.policy);
    return authentication ? { kind: 'failed', authentication } : { kind: 'failed' };
  };
  if (presented === null) return failed();
  const outcome = await authenticateToken(ctx, presented, request);
  if (outcome.kind === 'blocked') return { kind: 'blocked' };
  if (outcome.kind !== 'ok') return failed(outcome.kind);
  if (banState.hasFailures) await clearFailedAuthentications(ctx, request.ip);
  return { kind: 'ok', caller: outcome.caller };
}
