import { failure } from '../domain/errors.js';
import { ok, type Result } from '../domain/result.js';
import { isWellFormedToken, tokenDigest } from '../domain/token-format.js';
import { findTokenByDigest } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import type { TokenRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import type { ServiceContext } from './context.js';
import { revokePersonalAccessToken } from './personal-access-tokens.js';
import { revokeResourceAccessToken } from './resource-access-tokens.js';

/**
 * GitLab's token information API (lib/api/admin/token.rb): an administrator names a token by its
 * value, without knowing whose or what kind it is. The value is looked up by digest, not
 * authenticated: the holder is not using it, so no last-used time and no reuse detection.
 */
async function identifyToken(ctx: ServiceContext, caller: Caller, plaintext: string): Promise<Result<TokenRow>> {
  if (!caller.isAdmin) return failure('forbidden');
  // GitLab's AgnosticTokenIdentifier finds no type for it: 422 "Token type not supported."
  if (!isWellFormedToken(plaintext)) return failure('token_type_not_supported');
  const token = await findTokenByDigest(ctx.database.db, tokenDigest(ctx.secret, plaintext));
  return token && token.impersonation === 0 ? ok(token) : failure('token_not_identified');
}

/** POST /admin/token: the token, as GET /personal_access_tokens/:id shows it. */
export const findTokenByValue = identifyToken;

/**
 * DELETE /admin/token: revoked through the same use case as any revocation of its kind, with its
 * audit event (GitLab: a bot's token through ResourceAccessTokens::RevokeService, any other
 * through PersonalAccessTokens::RevokeService with the source api_admin_token).
 */
export async function revokeTokenByValue(ctx: ServiceContext, caller: Caller, plaintext: string): Promise<Result<TokenRow>> {
  const identified = await identifyToken(ctx, caller, plaintext);
  if (!identified.ok) return identified;
  const token = identified.value;
  const owner = await findUserById(ctx.database.db, token.user_id);
  const resource =
    owner?.bot_namespace_id != null
      ? ({ kind: 'group', ref: String(owner.bot_namespace_id) } as const)
      : owner?.bot_project_id != null
        ? ({ kind: 'project', ref: String(owner.bot_project_id) } as const)
        : undefined;
  if (!resource) return revokePersonalAccessToken(ctx, caller, token.id, 'api_admin_token');
  const revoked = await revokeResourceAccessToken(ctx, caller, resource, token.id);
  return revoked.ok ? ok(revoked.value.token) : revoked;
}
