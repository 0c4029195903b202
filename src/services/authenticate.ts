import { isExpired } from '../domain/expiry.js';
import { transaction } from '../store/database.js';
import { revokeDescendants, type AuthenticatedToken } from '../store/repositories/tokens.js';
import { insertAuditEvent } from '../store/repositories/audit-events.js';
import type { UserRow } from '../store/schema.js';
import { botResourceEntity } from './audit.js';
import { tokenCaller, type TokenAuthenticatedCaller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

export type Authentication =
  | { kind: 'ok'; caller: TokenAuthenticatedCaller }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  | { kind: 'blocked' };

export interface AuthenticationRequest {
  /** The URL path, for GitLab's reuse detection on `…/rotate` endpoints. */
  path: string;
  ip: string | null;
}

/** GitLab's access_token_rotation_request? (§4.3). */
const ROTATION_PATH = /\/access_tokens\/(\d+|self)\/rotate\/?$/;

/**
 * Authenticates a presented token in GitLab's order (§3.2): unknown, expired, revoked. Malformed
 * strings are turned away before any I/O (by the lookup). Scopes are the caller's to check: they depend on the route.
 */
export async function authenticateToken(ctx: ServiceContext, presented: string, request: AuthenticationRequest): Promise<Authentication> {
  const found = await ctx.tokenLookup.byToken(presented);
  if (!found) return { kind: 'unknown' };
  const { token, user } = found;
  const now = ctx.clock.now();
  if (isExpired(token.expiresAt, now)) return { kind: 'expired' };
  if (token.revoked) {
    await detectReuse(ctx, token, user, request);
    return { kind: 'revoked' };
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
    // A bot's reuse is recorded for its group or project (the token's resource), anyone else's for the user.
    const resource = await botResourceEntity(trx, user);
    await insertAuditEvent(trx, {
      author_id: user.id,
      author_name: user.username,
      entity_type: resource ? resource.type : 'User',
      entity_id: resource ? resource.id : user.id,
      entity_path: resource ? resource.path : user.username,
      event_name: 'token_reuse_detected',
      target_type: 'PersonalAccessToken',
      target_id: token.id,
      target_details: token.name,
      ip_address: request.ip,
      details: { reused_token_id: token.id, revoked_token_ids: revoked, mode, path: request.path },
      created_at: now,
    });
  });
}
