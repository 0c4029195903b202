import { banEndsAt, failureWindowStart, gitAuthBanPolicy, shouldBan, type GitAuthBanPolicy } from '../domain/git-access.js';
import { transaction } from '../store/database.js';
import {
  countGitAuthFailuresAfter,
  deleteGitAuthFailuresOf,
  deleteGitAuthFailuresUpTo,
  findGitAuthState,
  insertGitAuthFailure,
  upsertGitAuthBan,
} from '../store/repositories/git-auth-failures.js';
import { authenticateToken, type AuthenticationRequest } from './authenticate.js';
import type { TokenAuthenticatedCaller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/**
 * GitLab's failed-authentication protection for Git over HTTP (§3.5, Gitlab::Auth::IpRateLimiter):
 * too many failed Git authentications from one IP ban that IP for a while. The counts and bans
 * live in the database, so every instance sees them and a restart does not lift them.
 */

const currentBanPolicy = async (ctx: ServiceContext): Promise<GitAuthBanPolicy> => gitAuthBanPolicy(await getSettings(ctx.database.db));

export interface IpAuthState {
  policy: GitAuthBanPolicy;
  banned: boolean;
  /** Failures are being counted for the IP (a success then clears them). */
  hasFailures: boolean;
}

/** The ban settings and the IP's standing, read together (every credentialed git request asks). */
export async function ipAuthState(ctx: ServiceContext, ip: string): Promise<IpAuthState> {
  const [policy, { bannedUntil, hasFailures }] = await Promise.all([currentBanPolicy(ctx), findGitAuthState(ctx.database.db, ip)]);
  if (!policy.enabled) return { policy, banned: false, hasFailures: false };
  return { policy, banned: bannedUntil !== null && bannedUntil > nowIso(ctx), hasFailures };
}

export const isIpBanned = async (ctx: ServiceContext, ip: string): Promise<boolean> => (await ipAuthState(ctx, ip)).banned;

/** Counts one failure; returns true when it banned the IP (the next request is refused). */
export async function recordGitAuthFailure(ctx: ServiceContext, ip: string, policy?: GitAuthBanPolicy): Promise<boolean> {
  const effective = policy ?? (await currentBanPolicy(ctx));
  if (!effective.enabled) return false;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const cutoff = failureWindowStart(effective, now).toISOString();
  return transaction(ctx.database, async (trx) => {
    await deleteGitAuthFailuresUpTo(trx, cutoff);
    await insertGitAuthFailure(trx, ip, at);
    if (!shouldBan(effective, await countGitAuthFailuresAfter(trx, ip, cutoff))) return false;
    await upsertGitAuthBan(trx, ip, banEndsAt(effective, now).toISOString(), at);
    // The ban replaces the count: once it lifts, the IP starts afresh.
    await deleteGitAuthFailuresOf(trx, ip);
    return true;
  });
}

/**
 * A success clears the IP's count, as GitLab does ("repeated login failures are normal behavior for
 * some Git clients"). Other IPs are untouched; a ban is not lifted (a banned IP never gets this far).
 */
export async function clearGitAuthFailures(ctx: ServiceContext, ip: string): Promise<void> {
  await deleteGitAuthFailuresOf(ctx.database.db, ip);
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
 * A token presented outside the API's headers (Git's Basic password, the registry's, forward
 * auth's): authenticated by the one authentication service, behind the IP ban — a banned IP is
 * refused before any lookup, a failure counts towards the ban, a success clears the count.
 * `presented` null: credentials that cannot hold a token (a Basic header without a password).
 */
export async function authenticateBehindIpBan(ctx: ServiceContext, presented: string | null, request: AuthenticationRequest & { ip: string }): Promise<IpGuardedAuthentication> {
  const ipState = await ipAuthState(ctx, request.ip);
  if (ipState.banned) return { kind: 'banned' };
  const failed = async (authentication?: 'unknown' | 'expired' | 'revoked' | 'ip_refused'): Promise<IpGuardedAuthentication> => {
    await recordGitAuthFailure(ctx, request.ip, ipState.policy);
    return authentication ? { kind: 'failed', authentication } : { kind: 'failed' };
  };
  if (presented === null) return failed();
  const outcome = await authenticateToken(ctx, presented, request);
  if (outcome.kind === 'blocked') return { kind: 'blocked' };
  if (outcome.kind !== 'ok') return failed(outcome.kind);
  if (ipState.hasFailures) await clearGitAuthFailures(ctx, request.ip);
  return { kind: 'ok', caller: outcome.caller };
}
