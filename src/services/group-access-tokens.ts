import { randomBytes } from 'node:crypto';
import { externalHost } from '../config.js';
import { DEFAULT_TOKEN_ACCESS_LEVEL, isAssignableAccessLevel, roleName } from '../domain/access-levels.js';
import { botEmail, botUsername } from '../domain/bot-users.js';
import { failure, type Failed, type ErrorCode } from '../domain/errors.js';
import { canGrantTokenRole, canManageGroupAccessTokens, canReadGroupAccessTokens } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../domain/scopes.js';
import { tokenAttributesError } from '../domain/token-lifetime.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId } from '../store/repositories/common.js';
import { clearMembershipExpiry, findGroupBots, findGroupBotToken, type GroupBotToken, findTokens, revokeTokenIfActive } from '../store/repositories/tokens.js';
import { rootGroupId, insertMember } from '../store/repositories/groups.js';
import { findUserById, insertUser, updateUser, usernameOrEmailTaken } from '../store/repositories/users.js';
import type { GroupRow, TokenRow, UserRow } from '../store/schema.js';
import { recordGroupEvent } from './audit.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveGroup, tokenCreationAllowed, type ResolvedGroup } from './groups.js';
import type { Page, TokenListFilters } from './lists.js';
import { issuanceTerms, issueToken, rotateToken, type IssuanceTerms } from './token-issuance.js';

/**
 * Group access tokens (§2): a token of a bot user that is a direct member of the
 * group. Each use case resolves the group, checks the caller's ability, and changes the store in
 * one transaction together with its audit event.
 */

export interface GroupAccessToken {
  token: TokenRow;
  /** The bot's role in the group. */
  accessLevel: number;
  /** The group the bot belongs to (`resource_id`). */
  groupId: number;
}

/** A new token with its plaintext: shown once, in the create or rotate response, never stored. */
export interface IssuedGroupAccessToken extends GroupAccessToken {
  plaintext: string;
}

export interface NewGroupAccessToken {
  name: string;
  description?: string | null | undefined;
  scopes: string[];
  accessLevel?: number | undefined;
  expiresAt?: string | null | undefined;
}

export const AUDIT_EVENTS = {
  created: 'group_access_token_created',
  creationFailed: 'group_access_token_creation_failed',
  rotated: 'group_access_token_rotated',
  // GitLab's name for a revocation (the token stays listed, inactive).
  revoked: 'group_access_token_deleted',
} as const;

/** `token_id` is a string in GitLab's API: anything that is not a stored id simply matches nothing. */
function parseTokenId(ref: string): number | null {
  if (!/^\d{1,16}$/.test(ref)) return null;
  const id = Number(ref);
  return isRecordId(id) ? id : null;
}

async function findTokenOfGroup(db: Db, group: GroupRow, ref: string | number): Promise<GroupBotToken | undefined> {
  const id = typeof ref === 'number' ? ref : parseTokenId(ref);
  return id === null ? undefined : findGroupBotToken(db, group.id, id);
}

const canManage = async (db: Db, caller: Caller, { group, level }: ResolvedGroup) =>
  canManageGroupAccessTokens(caller, level, await tokenCreationAllowed(db, group));

/** Why the caller may not create a token of this role here, or null (refusals of authority, audited). */
async function creationRefusal(db: Db, caller: Caller, resolved: ResolvedGroup, accessLevel: number): Promise<ErrorCode | null> {
  if (!(await canManage(db, caller, resolved))) return 'token_creation_not_allowed';
  if (!canGrantTokenRole(caller, resolved.level, accessLevel)) return 'token_role_above_creator';
  return null;
}

/** GitLab's model validations, in its order (the bot user's, then the token's); null when valid. */
function attributesError(input: NewGroupAccessToken): Failed | null {
  const invalid = tokenAttributesError(input.name, input.description, input.scopes);
  if (invalid) return invalid;
  const available: readonly string[] = GROUP_ACCESS_TOKEN_SCOPES;
  return input.scopes.every((scope) => available.includes(scope)) ? null : failure('scopes_unavailable');
}

/** `group_{id}_bot_{32 hex}`, with a counter appended in the unlikely case it is taken (§1.3). */
async function insertBotUser(ctx: ServiceContext, db: Db, group: GroupRow, name: string, external: boolean, now: string): Promise<UserRow> {
  const host = externalHost(ctx.config);
  const random = randomBytes(16).toString('hex');
  for (let counter = 0; ; counter += 1) {
    const username = botUsername(group.id, random, counter);
    const email = botEmail(username, host);
    const taken = await usernameOrEmailTaken(db, username, email);
    if (taken.username || taken.email) continue;
    return insertUser(db, {
      username,
      email,
      name,
      state: 'active',
      is_admin: 0,
      external: external ? 1 : 0,
      user_type: 'project_bot',
      bot_namespace_id: group.id,
      password_digest: null,
      created_at: now,
      updated_at: now,
    });
  }
}

/**
 * POST /groups/:id/access_tokens (§2.3) and `tollgate group-tokens create`. One transaction makes
 * the bot user, its membership, the token and the audit event; a refusal leaves none of them.
 */
export async function createGroupAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  input: NewGroupAccessToken,
): Promise<Result<IssuedGroupAccessToken>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group } = resolved.value;
  const accessLevel = input.accessLevel ?? DEFAULT_TOKEN_ACCESS_LEVEL;
  if (!isAssignableAccessLevel(accessLevel)) return failure('access_level_invalid');
  const now = nowIso(ctx);
  const refusal = await creationRefusal(db, caller, resolved.value, accessLevel);
  if (refusal) {
    const refused = failure(refusal);
    await recordGroupEvent(
      db,
      caller,
      group,
      {
        name: AUDIT_EVENTS.creationFailed,
        details: { custom_message: `Group access token creation failed: ${refused.error.message}`, token_name: input.name, scopes: input.scopes, access_level: accessLevel },
      },
      now,
    );
    return refused;
  }
  return transaction(ctx.database, async (trx) => {
    const invalid = attributesError(input);
    if (invalid) return invalid;
    const terms = await issuanceTerms(ctx, trx, 'create', input.expiresAt);
    if (!terms.ok) return terms;
    // §1.3: an external creator makes an external bot (it must not reach internal projects).
    const bot = await insertBotUser(ctx, trx, group, input.name, caller.external, now);
    await insertMember(trx, {
      user_id: bot.id,
      source_type: 'group',
      source_id: group.id,
      access_level: accessLevel,
      expires_at: null,
      created_by_id: caller.user.id,
      created_at: now,
      updated_at: now,
    });
    const issued = await issueToken(
      ctx,
      trx,
      bot,
      { name: input.name, description: input.description ?? null, scopes: input.scopes, ...terms.value, groupId: rootGroupId(group), previousId: null },
      now,
    );
    await recordGroupEvent(
      trx,
      caller,
      group,
      {
        name: AUDIT_EVENTS.created,
        targetType: 'PersonalAccessToken',
        targetId: issued.row.id,
        targetDetails: issued.row.name,
        details: {
          custom_message: `Created group access token with token_id: ${issued.row.id} with scopes: ${JSON.stringify(input.scopes)} and ${roleName(accessLevel)} access level.`,
          token_id: issued.row.id,
          scopes: input.scopes,
          access_level: accessLevel,
          expires_at: issued.row.expires_at,
          bot_user_id: bot.id,
          bot_username: bot.username,
        },
      },
      now,
    );
    return ok({ token: issued.row, plaintext: issued.token, accessLevel, groupId: group.id });
  });
}

/** GET /groups/:id/access_tokens (§2.1): every token of the group's bots, inactive ones included. */
export async function listGroupAccessTokens(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  filters: TokenListFilters,
  page: Page,
): Promise<Result<{ tokens: GroupAccessToken[]; total: number }>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  // §2.0: without the ability the answer is 401, not 403.
  if (!canReadGroupAccessTokens(caller, level)) return failure('unauthorized');
  // Two queries whatever the number of bots and tokens (no N+1, §8.1 L6).
  const bots = await findGroupBots(db, group.id);
  const levelByBot = new Map(bots.map((bot) => [bot.userId, bot.accessLevel]));
  const { rows, total } = await findTokens(db, { ...filters, userIds: [...levelByBot.keys()] }, page, ctx.clock.now());
  return ok({ tokens: rows.map((token) => ({ token, accessLevel: levelByBot.get(token.user_id)!, groupId: group.id })), total });
}

/** GET /groups/:id/access_tokens/:token_id (§2.2). */
export async function getGroupAccessToken(ctx: ServiceContext, caller: Caller, groupRef: string, tokenRef: string): Promise<Result<GroupAccessToken>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  if (!canReadGroupAccessTokens(caller, level)) return failure('unauthorized');
  const found = await findTokenOfGroup(db, group, tokenRef);
  return found ? ok({ ...found, groupId: group.id }) : failure('access_token_not_found');
}

/**
 * The guards of the `self` endpoints (§2.5): only a group access token may use them; a browser
 * session, or the token of a human or an admin, is 405.
 */
function selfTokenId(caller: Caller): Result<number> {
  if (caller.token === null || caller.userType !== 'project_bot') return failure('method_not_allowed');
  return ok(caller.token.id);
}

/** The group and the caller's own token in it; a token of another group's bot is 401 here. */
async function resolveSelf(db: Db, caller: Caller, groupRef: string): Promise<Result<{ group: GroupRow; found: GroupBotToken }>> {
  const tokenId = selfTokenId(caller);
  if (!tokenId.ok) return tokenId;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group } = resolved.value;
  const found = await findGroupBotToken(db, group.id, tokenId.value);
  return found ? ok({ group, found }) : failure('unauthorized');
}

/** GET /groups/:id/access_tokens/self (T1): the group access token the request authenticated with. */
export async function getSelfGroupAccessToken(ctx: ServiceContext, caller: Caller, groupRef: string): Promise<Result<GroupAccessToken>> {
  const self = await resolveSelf(ctx.database.db, caller, groupRef);
  if (!self.ok) return self;
  return ok({ ...self.value.found, groupId: self.value.group.id });
}

/**
 * The rotation itself (§4.2), inside the caller's transaction: revoke the old token, issue its
 * successor for the same bot, renew the bot's membership, record the event. `botExternal` is the
 * rotating user's `external` (GitLab resets the bot's flag to it); undefined leaves it unchanged.
 */
async function rotateInGroup(
  ctx: ServiceContext,
  trx: Db,
  caller: Caller,
  group: GroupRow,
  { token, accessLevel }: GroupBotToken,
  terms: IssuanceTerms,
  botExternal: boolean | undefined,
): Promise<Result<IssuedGroupAccessToken>> {
  const now = nowIso(ctx);
  const bot = await findUserById(trx, token.user_id);
  if (!bot) return failure('access_token_not_found');
  const rotated = await rotateToken(ctx, trx, token, bot, terms, now);
  if (!rotated.ok) return rotated;
  const successor = rotated.value.row;
  await clearMembershipExpiry(trx, bot.id, now);
  if (botExternal !== undefined && botExternal !== (bot.external === 1)) await updateUser(trx, bot.id, { external: botExternal ? 1 : 0, updated_at: now });
  await recordGroupEvent(
    trx,
    caller,
    group,
    {
      name: AUDIT_EVENTS.rotated,
      targetType: 'PersonalAccessToken',
      targetId: token.id,
      targetDetails: token.name,
      details: {
        custom_message: `Rotated group access token with token_id: ${token.id}; the new token_id is ${successor.id}`,
        token_id: token.id,
        new_token_id: successor.id,
        expires_at: successor.expires_at,
        self_rotation: caller.token?.id === token.id,
      },
    },
    now,
  );
  return ok({ token: successor, plaintext: rotated.value.token, accessLevel, groupId: group.id });
}

/** POST /groups/:id/access_tokens/:token_id/rotate (§2.4). */
export async function rotateGroupAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  tokenRef: string | number,
  expiresAtParam: string | undefined,
): Promise<Result<IssuedGroupAccessToken>> {
  const resolved = await resolveGroup(ctx.database.db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  // "Only admins should be informed if the token doesn't exist" (§2.4).
  const denied = () => failure(caller.isAdmin ? 'not_found' : 'unauthorized');
  return transaction(ctx.database, async (trx) => {
    if (!(await canManage(trx, caller, resolved.value))) return denied();
    const found = await findTokenOfGroup(trx, group, tokenRef);
    if (!found) return denied();
    if (found.token.revoked === 1) return failure('token_already_revoked');
    if (!canGrantTokenRole(caller, level, found.accessLevel)) return failure('token_role_above_rotator');
    const terms = await issuanceTerms(ctx, trx, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    return rotateInGroup(ctx, trx, caller, group, found, terms.value, caller.external);
  });
}

/** POST /groups/:id/access_tokens/self/rotate (§2.5): a group access token renews itself. */
export async function selfRotateGroupAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  expiresAtParam: string | undefined,
): Promise<Result<IssuedGroupAccessToken>> {
  return transaction(ctx.database, async (trx) => {
    const self = await resolveSelf(trx, caller, groupRef);
    if (!self.ok) return self;
    const terms = await issuanceTerms(ctx, trx, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    return rotateInGroup(ctx, trx, caller, self.value.group, self.value.found, terms.value, undefined);
  });
}

/**
 * DELETE /groups/:id/access_tokens/:token_id (§2.6). The token is looked up before permissions,
 * as GitLab does; the bot user is kept (T6), so the token stays listed as inactive.
 */
export async function revokeGroupAccessToken(ctx: ServiceContext, caller: Caller, groupRef: string, tokenRef: string | number): Promise<Result<GroupAccessToken>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  const found = await findTokenOfGroup(db, group, tokenRef);
  if (!found) return failure('access_token_not_found');
  if (!canReadGroupAccessTokens(caller, level)) {
    const bot = await findUserById(db, found.token.user_id);
    return failure('token_revocation_not_allowed', `${caller.user.name} cannot delete ${bot?.name ?? found.token.name}`);
  }
  return transaction(ctx.database, async (trx) => {
    const now = nowIso(ctx);
    // Revoking a revoked token is a success that changes nothing (and records nothing).
    if (await revokeTokenIfActive(trx, found.token.id, now)) {
      await recordGroupEvent(
        trx,
        caller,
        group,
        {
          name: AUDIT_EVENTS.revoked,
          targetType: 'PersonalAccessToken',
          targetId: found.token.id,
          targetDetails: found.token.name,
          details: { custom_message: `Revoked group access token with token_id: ${found.token.id}`, token_id: found.token.id },
        },
        now,
      );
    }
    return ok({ ...found, groupId: group.id });
  });
}
