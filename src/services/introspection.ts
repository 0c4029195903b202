import { findMember } from '../store/repositories/groups.js';
import type { Db } from '../store/repositories/common.js';
import type { UserRow } from '../store/schema.js';
import { botResourceEntity } from './audit.js';
import { authenticateToken, type Authentication, type AuthenticationRequest } from './authenticate.js';
import type { AuthenticatedToken } from './caller.js';
import type { ServiceContext } from './context.js';

/**
 * RFC 7662 token introspection (docs/forward-auth.md): what a token is, for a service that was
 * handed one. The token is judged by the one authentication service, so an introspection says
 * exactly what a request with the token would meet. It is not a use by the token's holder: its
 * last_used_at and IPs are left alone (only the route's own caller's use is recorded).
 */

/** The group or project whose access token a bot holds, with the bot's role there. */
export interface TokenResource {
  kind: 'group' | 'project';
  fullPath: string;
  accessLevel: number;
}

export type Introspection =
  /** Unknown, malformed, expired, revoked, or its user blocked: never said which (RFC 7662 §2.2; `authentication` is for the metrics). */
  | { active: false; authentication: Exclude<Authentication['kind'], 'ok'> }
  | { active: true; token: AuthenticatedToken; user: UserRow; resource: TokenResource | null };

async function tokenResourceOf(db: Db, user: UserRow): Promise<TokenResource | null> {
  const entity = await botResourceEntity(db, user);
  if (!entity) return null;
  const kind = entity.type === 'Group' ? 'group' : 'project';
  const membership = await findMember(db, kind, entity.id, user.id);
  return { kind, fullPath: entity.path, accessLevel: membership?.access_level ?? 0 };
}

/**
 * `request` is the introspection request's own path and IP: reuse detection (T5) treats a
 * rotated-away token shown to a service as shown to Tollgate, which it is, one step removed.
 */
export async function introspectToken(ctx: ServiceContext, presented: string, request: AuthenticationRequest): Promise<Introspection> {
  const outcome = await authenticateToken(ctx, presented, request);
  if (outcome.kind !== 'ok') return { active: false, authentication: outcome.kind };
  const { user, token } = outcome.caller;
  return { active: true, token, user, resource: await tokenResourceOf(ctx.database.db, user) };
}
