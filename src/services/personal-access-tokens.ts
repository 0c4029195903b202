import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../domain/scopes.js';
import { badRequest, notFound, ok, type Result } from '../domain/result.js';
import { expiresAtForCreate, expiresAtForRotate, tokenAttributesError } from '../domain/token-lifetime.js';
import type { Actor } from '../domain/permissions.js';
import { findTokenById, findTokens, revokeTokenIfActive, type TokenFilters } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import { type Page, isRecordId } from '../store/repositories/common.js';
import type { TokenRow, UserRow } from '../store/schema.js';
import { nowIso, todayUtc, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';
import { issueToken, rotateToken, type IssuedToken } from './token-issuance.js';
import { inTransaction } from './transaction.js';

export interface NewPersonalAccessToken {
  userId: number;
  name: string;
  description?: string | null | undefined;
  scopes: string[];
  expiresAt?: string | null | undefined;
}

/** The scopes a token of this user may carry: admin scopes only for administrators. */
export function availableScopesFor(user: Pick<UserRow, 'is_admin'>): readonly string[] {
  return user.is_admin === 1 ? [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] : PERSONAL_ACCESS_TOKEN_SCOPES;
}

/** POST /users/:id/personal_access_tokens (admins) and `tollgate pat create`. */
export async function createPersonalAccessToken(ctx: ServiceContext, input: NewPersonalAccessToken): Promise<Result<IssuedToken>> {
  return inTransaction(ctx.database, async (db) => {
    const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
    if (!user || user.user_type === 'ghost') return notFound('User');
    const invalid = tokenAttributesError(input.name, input.description, input.scopes);
    if (invalid) return badRequest(invalid);
    const available = availableScopesFor(user);
    if (!input.scopes.every((s) => available.includes(s))) return badRequest('Scopes can only contain available scopes');
    const expiresAt = expiresAtForCreate(input.expiresAt, await getSettings(db), todayUtc(ctx));
    if (!expiresAt.ok) return expiresAt;
    const attributes = { name: input.name, description: input.description ?? null, scopes: input.scopes, expiresAt: expiresAt.value, groupId: null, previousId: null };
    return ok(await issueToken(ctx, db, user, attributes, nowIso(ctx)));
  });
}

/** Non-admins see only their own tokens; admins see everyone's, or one user's with `user_id`. */
export async function listPersonalAccessTokens(
  ctx: ServiceContext,
  actor: Actor,
  filters: Omit<TokenFilters, 'userIds'> & { userId?: number | undefined },
  page: Page,
) {
  let userIds: TokenFilters['userIds'];
  if (!actor.isAdmin) userIds = [actor.id];
  else if (filters.userId !== undefined) userIds = isRecordId(filters.userId) ? [filters.userId] : [];
  else userIds = 'all';
  return findTokens(ctx.database.db, { ...filters, userIds }, page, ctx.clock.now());
}

/** A token of someone else is, to a non-admin, a token that does not exist. */
export async function findVisiblePersonalAccessToken(ctx: ServiceContext, actor: Actor, id: number): Promise<Result<TokenRow>> {
  const token = isRecordId(id) ? await findTokenById(ctx.database.db, id) : undefined;
  if (!token || token.impersonation === 1 || (!actor.isAdmin && token.user_id !== actor.id)) return notFound();
  return ok(token);
}

export async function revokePersonalAccessToken(ctx: ServiceContext, token: TokenRow): Promise<void> {
  await revokeTokenIfActive(ctx.database.db, token.id, nowIso(ctx));
}

export async function rotatePersonalAccessToken(ctx: ServiceContext, tokenId: number, expiresAtParam: string | undefined): Promise<Result<IssuedToken>> {
  return inTransaction(ctx.database, async (db) => {
    const token = await findTokenById(db, tokenId);
    const user = token && (await findUserById(db, token.user_id));
    if (!token || !user) return notFound();
    const expiresAt = expiresAtForRotate(expiresAtParam, await getSettings(db), todayUtc(ctx));
    if (!expiresAt.ok) return expiresAt;
    return rotateToken(ctx, db, token, user, expiresAt.value, nowIso(ctx));
  });
}
