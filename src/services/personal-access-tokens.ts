import { failure } from '../domain/errors.js';
import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../domain/scopes.js';
import { ok, type Result } from '../domain/result.js';
import { tokenAttributesError } from '../domain/token-lifetime.js';
import { parseAllowedCidrs } from '../domain/ip-allowlist.js';
import { transaction } from '../store/database.js';
import { findTokenById, findTokens, revokeTokenIfActive, viewOfAuthenticatedToken, type TokenOwners } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import { type Db, isRecordId } from '../store/repositories/common.js';
import type { TokenRow, TokenView, UserRow } from '../store/schema.js';
import { recordEvent, userEntity } from './audit.js';
import { consoleCallerAs, type Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { countLimitOf, type Listed, type Page, type TokenListFilters } from './lists.js';
import { rotationGraceDetails } from './rotation-grace.js';
import { issuanceTerms, issueToken, rotateToken, type IssuedToken } from './token-issuance.js';
import { tokenCreationRefusal } from './token-creation-limit.js';

export type { IssuedToken };

export interface NewPersonalAccessToken {
  userId: number;
  name: string;
  description?: string | null | undefined;
  scopes: string[];
  expiresAt?: string | null | undefined;
  /** Tollgate's own (issue 13): the networks the token may be used from; none: anywhere. */
  allowedCidrs?: readonly unknown[] | undefined;
}

/** The scopes a token of this user may carry: admin scopes only for administrators. */
function availableScopesFor(user: Pick<UserRow, 'is_admin'>): readonly string[] {
  return user.is_admin === 1 ? [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] : PERSONAL_ACCESS_TOKEN_SCOPES;
}

/**
 * GitLab's personal_access_token_created / _rotated / _revoked events (EE PersonalAccessTokens
 * services): in the log of the token's user, written in the caller's transaction. Without a
 * caller (`tollgate pat create`), the author is the console.
 */
function recordTokenEvent(db: Db, ctx: ServiceContext, caller: Caller | undefined, user: UserRow, action: 'created' | 'rotated' | 'revoked', token: TokenRow, details: Record<string, unknown> = {}) {
  const verb = action.charAt(0).toUpperCase() + action.slice(1);
  return recordEvent(
    db,
    caller ?? consoleCallerAs(user),
    userEntity(user),
    {
      name: `personal_access_token_${action}`,
      targetType: 'PersonalAccessToken',
      targetId: token.id,
      targetDetails: token.name,
      details: { custom_message: `${verb} personal access token with id ${token.id}`, token_id: token.id, ...details },
    },
    nowIso(ctx),
  );
}

/** POST /users/:id/personal_access_tokens (admins) and `tollgate pat create`. */
export async function createPersonalAccessToken(ctx: ServiceContext, input: NewPersonalAccessToken, caller?: Caller): Promise<Result<IssuedToken>> {
  return transaction(ctx.database, async (db) => {
    const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
    if (!user || user.user_type === 'ghost') return failure('user_not_found');
    const invalid = tokenAttributesError(input.name, input.description, input.scopes);
    if (invalid) return invalid;
    const available = availableScopesFor(user);
    if (!input.scopes.every((s) => available.includes(s))) return failure('scopes_unavailable');
    const allowedCidrs = parseAllowedCidrs(input.allowedCidrs);
    if (!allowedCidrs.ok) return allowedCidrs;
    const terms = await issuanceTerms(ctx, db, 'create', input.expiresAt);
    if (!terms.ok) return terms;
    const limited = await tokenCreationRefusal(ctx, db, caller);
    if (limited) return limited;
    const attributes = {
      name: input.name,
      description: input.description ?? null,
      scopes: input.scopes,
      ...terms.value,
      groupId: null,
      previousId: null,
      allowedCidrs: allowedCidrs.value,
    };
    const issued = await issueToken(ctx, db, user, attributes, nowIso(ctx));
    await recordTokenEvent(db, ctx, caller, user, 'created', issued.row, { scopes: input.scopes, expires_at: issued.row.expires_at, allowed_cidrs: allowedCidrs.value });
    return ok(issued);
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
  return createPersonalAccessToken(ctx, { ...input, userId: caller.id }, caller);
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

/**
 * DELETE /personal_access_tokens/:id and /self, and DELETE /admin/token (`source`, GitLab's
 * revocation_source): revoking a revoked token changes nothing (and records nothing).
 */
export async function revokePersonalAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  ref: PersonalAccessTokenRef,
  source: 'self' | 'api_admin_token' = 'self',
): Promise<Result<TokenRow>> {
  const token = await namedToken(ctx.database.db, caller, ref);
  if (!token.ok) return token;
  await transaction(ctx.database, async (db) => {
    if (!(await revokeTokenIfActive(db, token.value.id, nowIso(ctx)))) return;
    const user = await findUserById(db, token.value.user_id);
    if (user) await recordTokenEvent(db, ctx, caller, user, 'revoked', token.value, { revocation_source: source });
  });
  return token;
}

/** POST /personal_access_tokens/:id/rotate and /self/rotate (§4.2), in one transaction. */
export async function rotatePersonalAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  ref: PersonalAccessTokenRef,
  expiresAtParam: string | undefined,
  graceSeconds = 0,
): Promise<Result<IssuedToken>> {
  const named = await namedToken(ctx.database.db, caller, ref);
  if (!named.ok) return named;
  return transaction(ctx.database, async (db) => {
    const token = await findTokenById(db, named.value.id);
    const user = token && (await findUserById(db, token.user_id));
    if (!token || !user) return failure('not_found');
    const terms = await issuanceTerms(ctx, db, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    const rotated = await rotateToken(ctx, db, token, user, terms.value, nowIso(ctx), graceSeconds);
    if (rotated.ok) {
      await recordTokenEvent(db, ctx, caller, user, 'rotated', token, {
        new_token_id: rotated.value.row.id,
        expires_at: rotated.value.row.expires_at,
        ...rotationGraceDetails(graceSeconds, rotated.value.graceEndsAt),
      });
    }
    return rotated;
  });
}
