import { isExpired } from '../domain/expiry.js';
import { isAllowedFrom } from '../domain/ip-allowlist.js';
import { graceEnded } from '../domain/rotation-grace.js';
import { transaction } from '../store/database.js';
import { ipRefusalRecordedSince, revokeDescendants, type AuthenticatedToken } from '../store/repositories/tokens.js';
import { insertAuditEvent } from '../store/repositories/audit-events.js';
import type { Db } from '../store/repositories/common.js';
import type { UserRow } from '../store/schema.js';
import { tokenCaller, type TokenAuthenticatedCaller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { tokenOwnerEntity } from './rotation-grace.js';
import { getSettings } from './settings.js';

export type Authentication =
  | { kind: 'ok'; caller: TokenAuthenticatedCaller }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  /** Tollgate's own (issue 13): the token's allowlist does not hold the client's address. */
  | { kind: 'ip_refused' }
  | { kind: 'blocked' };

export interface AuthenticationRequest {
  /** The URL path, for GitLab's reuse detection on `…/rotate` endpoints. */
  path: string;
  ip: string | null;
}

/**
 * GitLab's access_token_rotation_request? (GITLAB-BEHAVIOR.md §4.3): `access_tokens/…/rotate`,
 * which also matches `/personal_access_tokens/:id|self/rotate`.
 */
const ROTATION_PATH = /access_tokens\/(\d+|self)\/rotate\/?$/;

/** One `token_ip_refused` event per token per minute at most: a client retrying does not flood the log. */
const IP_REFUSAL_EVENT_INTERVAL_MS = 60_000;

/**
 * Authenticates a presented token in GitLab's order (§3.2): unknown, expired, revoked; then
 * Tollgate's own allowlist (issue 13), after revocation so that reuse detection still sees a
 * revoked token from anywhere. Malformed strings are turned away before any I/O (by the lookup).
 * Scopes are the caller's to check: they depend on the route.
 *
 * Like expiry, the end of a rotation overlap window is a matter of the clock, checked here on
 * every request: a cached token stops working the moment its window ends, before the
 * rotation-grace job writes the revocation down.
 */
export async function authenticateToken(ctx: ServiceContext, presented: string, request: AuthenticationRequest): Promise<Authentication> {
  const found = await ctx.tokenLookup.byToken(presented);
  if (!found) return { kind: 'unknown' };
  const { token, user } = found;
  const now = ctx.clock.now();
  if (isExpired(token.expiresAt, now)) return { kind: 'expired' };
  if (token.revoked || graceEnded(token.rotationGraceEndsAt, now)) {
    await detectReuse(ctx, token, user, request);
    return { kind: 'revoked' };
  }
  if (!isAllowedFrom(token.allowedCidrs, request.ip)) {
    await recordIpRefusal(ctx, token, user, request);
    return { kind: 'ip_refused' };
  }
  if (user.state !== 'active') return { kind: 'blocked' };
  return { kind: 'ok', caller: tokenCaller(user, token, request.ip) };
}

/**
 * A rotated-away token presented again means it leaked: revoke everything rotated from it (T5).
 * `rotate` mode follows GitLab (only on rotation endpoints); `any_use` on any request.
 */
async function detectReuse(ctx: ServiceContext, token: AuthenticatedToken, user: UserRow, request: AuthenticationRequest) {
  const { token_reuse_detection: mode } = await getSettings(ctx.database.db);
  if (mode === 'off' || (mode === 'rotate' && !ROTATION_PATH.test(request.path))) return;
  const now = nowIso(ctx);
  await transaction(ctx.database, async (trx) => {
    const revoked = await revokeDescendants(trx, token.id, now);
    if (revoked.length === 0) return;
    await insertPresentedTokenEvent(trx, token, user, request, now, 'token_reuse_detected', { reused_token_id: token.id, revoked_token_ids: revoked, mode, path: request.path });
  });
}

/**
 * An event about a token as it was presented, authored by its user and recorded in its owner's
 * log: a bot's in its group or project (the token's resource), anyone else's in the user's.
 */
async function insertPresentedTokenEvent(
  trx: Db,
  token: AuthenticatedToken,
  user: UserRow,
  request: AuthenticationRequest,
  at: string,
  eventName: string,
  details: Record<string, unknown>,
) {
  const entity = await tokenOwnerEntity(trx, user);
  await insertAuditEvent(trx, {
    author_id: user.id,
    author_name: user.username,
    entity_type: entity.type,
    entity_id: entity.id,
    entity_path: entity.path,
    event_name: eventName,
    target_type: 'PersonalAccessToken',
    target_id: token.id,
    target_details: token.name,
    ip_address: request.ip,
    details,
    created_at: at,
  });
}

/** A `token_ip_refused` event in the token's log (its resource's for a bot), unless one was written in the last minute. */
async function recordIpRefusal(ctx: ServiceContext, token: AuthenticatedToken, user: UserRow, request: AuthenticationRequest) {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - IP_REFUSAL_EVENT_INTERVAL_MS).toISOString();
  await transaction(ctx.database, async (trx) => {
    if (await ipRefusalRecordedSince(trx, token.id, since)) return;
    await insertPresentedTokenEvent(trx, token, user, request, now.toISOString(), 'token_ip_refused', { token_id: token.id, allowed_cidrs: token.allowedCidrs, path: request.path });
  });
}
