import { failure } from '../domain/errors.js';
import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../domain/scopes.js';
import { ok, type Result } from '../domain/result.js';
import { tokenAttributesError } from '../domain/token-lifetime.js';
import { transaction } from '../store/database.js';
import { findTokenById, findTokens, revokeTokenIfActive, viewOfAuthenticatedToken, type TokenOwners } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import { type Db, isRecordId } from '../store/repositories/common.js';
import type { TokenRow, TokenView, UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { countLimitOf, type Listed, type Page, type TokenListFilters } from './lists.js';
import { issuanceTerms, issueToken, rotateToken, type IssuedToken } from './token-issuance.js';

export type { IssuedToken };

export interface NewPersonalAccessToken {
  userId: number;
  name: string;
  description?: string | null | undefined;
  scopes: string[];
  expiresAt?: string | null | undefined;
}

/** The scopes a token of this user may carry: admin scopes only for administrators. */
function availableScopesFor(user: Pick<UserRow, 'is_admin'>): readonly string[] {
  return user.is_admin === 1 ? [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] : PERSONAL_ACCESS_TOKEN_SCOPES;
}

/** POST /users/:id/personal_access_tokens (admins) and `tollgate pat create`. */
export async function createPersonalAccessToken(ctx: ServiceContext, input: NewPersonalAccessToken): Promise<Result<IssuedToken>> {
  return transaction(ctx.database, async (db) => {
    const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
    if (!user || user.user_type === 'ghost') return failure('user_not_found');
    const invalid = tokenAttributesError(input.name, input.description, input.scopes);
    if (invalid) return invalid;
    const available = availableScopesFor(user);
    if (!input.scopes.every((s) => available.includes(s))) return failure('scopes_unavailable');
    const terms = await issuanceTerms(ctx, db, 'create', input.expiresAt);
    if (!terms.ok) return terms;
    const attributes = { name: input.name, description: input.description ?? null, scopes: input.scopes, ...terms.value, groupId: null, previousId: null };
    return ok(await issueToken(ctx, db, user, attributes, nowIso(ctx)));
  });
}

/**
 * The scopes a token may give a token it creates for its own user: GitLab's
 * POST /user/personal_access_tokens offers only these (`k8s_proxy`, and `self_rotate` since 18.x).
 */
const TOKEN_MINTABLE_SCOPES: readonly string[] = ['k8s_proxy', 'self_rotate'];

/**
 * POST /user/personal_access_tokens: a token for the caller. Signed in with a browser session
 * (the web UI's User Settings), any personal scope available to them, as GitLab's own settings
 * page allows; authenticated with a token, only GitLab's TOKEN_MINTABLE_SCOPES, so that a token
 * never mints a broader one (docs/api.md). Otherwise createPersonalAccessToken's rules.
 */
export async function createOwnPersonalAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  input: Omit<NewPersonalAccessToken, 'userId'>,
): Promise<Result<IssuedToken>> {
  if (caller.via !== 'session' && !input.scopes.every((scope) => TOKEN_MINTABLE_SCOPES.includes(scope))) return failure('scopes_not_mintable');
  return createPersonalAccessToken(ctx, { ...input, userId: caller.id });
}

/** GET /personal_access_tokens: non-admins see only their own tokens; admins see everyone's, or one user's with `userId`. */
export async function listPersonalAccessTokens(
  ctx: ServiceContext,
  caller: Caller,
  filters: TokenListFilters & { userId?: number | undefined },
  page: Page,
): Promise<Listed<TokenRow>> {
  let owners: TokenOwners;
  if (!caller.isAdmin) owners = { userIds: [caller.id] };
  else if (filters.userId !== undefined) owners = { userIds: isRecordId(filters.userId) ? [filters.userId] : [] };
  else owners = { userIds: 'all' };
  const { rows, total } = await findTokens(ctx.database.db, { ...filters, ...owners }, page, ctx.clock.now(), countLimitOf(page));
  return { items: rows, total };
}

/** A token by id, or `self`: the token the request authenticated with. */
export type PersonalAccessTokenRef = number | 'self';

/**
 * The token a request names. `self` needs a token (a browser session has none: 400); by id, a
 * token of someone else is, to a non-admin, a token that does not exist (404).
 */
async function namedToken(db: Db, caller: Caller, ref: PersonalAccessTokenRef): Promise<Result<TokenRow>> {
  if (ref === 'self') {
    const token = caller.token && (await findTokenById(db, caller.token.id));
    return token ? ok(token) : failure('personal_access_token_required');
  }
  const token = isRecordId(ref) ? await findTokenById(db, ref) : undefined;
  if (!token || token.impersonation === 1 || (!caller.isAdmin && token.user_id !== caller.id)) return failure('not_found');
  return ok(token);
}

/** GET /personal_access_tokens/:id and /self (shown from what authentication loaded: no second read). */
export async function getPersonalAccessToken(ctx: ServiceContext, caller: Caller, ref: PersonalAccessTokenRef): Promise<Result<TokenView>> {
  if (ref === 'self') return caller.token ? ok(viewOfAuthenticatedToken(caller.token)) : failure('personal_access_token_required');
  return namedToken(ctx.database.db, caller, ref);
}

/** DELETE /personal_access_tokens/:id and /self: revoking a revoked token changes nothing. */
export async function revokePersonalAccessToken(ctx: ServiceContext, caller: Caller, ref: PersonalAccessTokenRef): Promise<Result<TokenRow>> {
  const token = await namedToken(ctx.database.db, caller, ref);
  if (!token.ok) return token;
  await revokeTokenIfActive(ctx.database.db, token.value.id, nowIso(ctx));
  return token;
}

/** POST /personal_access_tokens/:id/rotate and /self/rotate (§4.2), in one transaction. */
export async function rotatePersonalAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  ref: PersonalAccessTokenRef,
  expiresAtParam: string | undefined,
): Promise<Result<IssuedToken>> {
  const named = await namedToken(ctx.database.db, caller, ref);
  if (!named.ok) return named;
  return transaction(ctx.database, async (db) => {
    const token = await findTokenById(db, named.value.id);
    const user = token && (await findUserById(db, token.user_id));
    if (!token || !user) return failure('not_found');
    const terms = await issuanceTerms(ctx, db, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    return rotateToken(ctx, db, token, user, terms.value, nowIso(ctx));
  });
}
