import { randomBytes } from 'node:crypto';
import { externalHost } from '../config.js';
import { DEFAULT_TOKEN_ACCESS_LEVEL, isAssignableAccessLevel, roleName } from '../domain/access-levels.js';
import { botEmail, botUsername, type ResourceKind } from '../domain/bot-users.js';
import { failure, type Failed, type ErrorCode } from '../domain/errors.js';
import { canGrantTokenRole, canManageResourceAccessTokens, canReadResourceAccessTokens } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../domain/scopes.js';
import { tokenAttributesError } from '../domain/token-lifetime.js';
import { parseAllowedCidrs } from '../domain/ip-allowlist.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId } from '../store/repositories/common.js';
import { rootGroupId, insertMember } from '../store/repositories/groups.js';
import {
  clearMembershipExpiry,
  findResourceBotToken,
  findResourceTokens,
  revokeTokenIfActive,
  type BotResource,
  type ResourceBotToken,
} from '../store/repositories/tokens.js';
import { findUserById, insertUser, updateUser, usernameOrEmailTaken } from '../store/repositories/users.js';
import type { GroupRow, TokenRow, UserRow } from '../store/schema.js';
import { groupEntity, projectEntity, recordEvent, type AuditEntity } from './audit.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveGroup, tokenCreationAllowed } from './groups.js';
import { countLimitOf, type Page, type TokenListFilters } from './lists.js';
import { resolveProject } from './projects.js';
import { rotationGraceDetails } from './rotation-grace.js';
import { issuanceTerms, issueToken, rotateToken, type IssuanceTerms } from './token-issuance.js';
import { tokenCreationRefusal } from './token-creation-limit.js';

/**
 * Resource access tokens (§2, §10; GitLab's `lib/api/resource_access_tokens.rb` and
 * `ResourceAccessTokens::*Service`): a token of a bot user that is a direct member of a group or
 * of a project. One set of use cases serves both kinds; what differs (who resolves the resource,
 * who manages its tokens, GitLab's words and event names) is the kind's `ResourcePolicy`. Each use
 * case resolves the resource, checks the caller's ability, and changes the store in one
 * transaction together with its audit event.
 */

/** The resource a request names: `:id` of `/groups/:id/…` or `/projects/:id/…` (an id or a full path). */
export interface ResourceRef {
  kind: ResourceKind;
  ref: string;
}

export interface ResourceAccessToken {
  token: TokenRow;
  /** The bot's role in the resource. */
  accessLevel: number;
  /** `resource_type` and `resource_id`. */
  kind: ResourceKind;
  resourceId: number;
}

/** A new token with its plaintext: shown once, in the create or rotate response, never stored. */
export interface IssuedResourceAccessToken extends ResourceAccessToken {
  plaintext: string;
}

export interface NewResourceAccessToken {
  name: string;
  description?: string | null | undefined;
  scopes: string[];
  accessLevel?: number | undefined;
  expiresAt?: string | null | undefined;
  /** Tollgate's own (issue 13): the networks the token may be used from; none: anywhere. */
  allowedCidrs?: readonly unknown[] | undefined;
}

/** A resource resolved for the caller: what the policies and the store need of it. */
interface ResolvedResource {
  id: number;
  /** The caller's role here (for a project: the highest of its direct and inherited roles). */
  level: number;
  /** The group itself, or the project's group: its top-level group holds the creation switch (§6, §10). */
  group: GroupRow;
  audit: AuditEntity;
}

const auditEventsOf = <K extends ResourceKind>(kind: K) =>
  ({
    created: `${kind}_access_token_created`,
    creationFailed: `${kind}_access_token_creation_failed`,
    rotated: `${kind}_access_token_rotated`,
    // GitLab's name for a revocation (the token stays listed, inactive).
    revoked: `${kind}_access_token_deleted`,
  }) as const;

/** What differs between a group's tokens and a project's. */
interface ResourcePolicy {
  kind: ResourceKind;
  /** A resource the caller may not see is not found (`404 Group Not Found` / `404 Project Not Found`). */
  resolve(db: Db, caller: Caller, ref: string): Promise<Result<ResolvedResource>>;
  /** `404 group Access Token Not Found` / `404 project Access Token Not Found`. */
  tokenNotFound: ErrorCode;
  /** `User does not have permission to create group|project access token`. */
  creationNotAllowed: ErrorCode;
  /** The bot's columns that name its resource (decision 0004). */
  botResource(id: number): Pick<UserRow, 'bot_namespace_id' | 'bot_project_id'>;
  auditEvents: ReturnType<typeof auditEventsOf>;
}

const POLICIES: Record<ResourceKind, ResourcePolicy> = {
  group: {
    kind: 'group',
    async resolve(db, caller, ref) {
      const resolved = await resolveGroup(db, caller, ref);
      if (!resolved.ok) return resolved;
      const { group, level } = resolved.value;
      return ok({ id: group.id, level, group, audit: groupEntity(group) });
    },
    tokenNotFound: 'access_token_not_found',
    creationNotAllowed: 'token_creation_not_allowed',
    botResource: (id) => ({ bot_namespace_id: id, bot_project_id: null }),
    auditEvents: auditEventsOf('group'),
  },
  project: {
    kind: 'project',
    async resolve(db, caller, ref) {
      const resolved = await resolveProject(db, caller, ref);
      if (!resolved.ok) return resolved;
      const { project, group, level } = resolved.value;
      return ok({ id: project.id, level, group, audit: projectEntity(project, group) });
    },
    tokenNotFound: 'project_access_token_not_found',
    creationNotAllowed: 'project_token_creation_not_allowed',
    botResource: (id) => ({ bot_namespace_id: null, bot_project_id: id }),
    auditEvents: auditEventsOf('project'),
  },
};

export const auditEventNames = (kind: ResourceKind) => POLICIES[kind].auditEvents;

/** "group access token" / "project access token", as GitLab's audit messages say it. */
const label = (policy: ResourcePolicy) => `${policy.kind} access token`;
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const botsOf = (policy: ResourcePolicy, resolved: ResolvedResource): BotResource => ({ sourceType: policy.kind, id: resolved.id });

const present = (policy: ResourcePolicy, resolved: ResolvedResource, found: ResourceBotToken): ResourceAccessToken => ({
  ...found,
  kind: policy.kind,
  resourceId: resolved.id,
});

/** The resource the request names, resolved for the caller (404 when they may not see it), with its kind's policy. */
async function resolveResource(db: Db, caller: Caller, resource: ResourceRef): Promise<Result<{ policy: ResourcePolicy; here: ResolvedResource }>> {
  const policy = POLICIES[resource.kind];
  const resolved = await policy.resolve(db, caller, resource.ref);
  return resolved.ok ? ok({ policy, here: resolved.value }) : resolved;
}

/** As resolveResource, for reading its tokens: without the ability the answer is 401, not 403 (§2.0). */
async function resolveReadable(db: Db, caller: Caller, resource: ResourceRef): Promise<Result<{ policy: ResourcePolicy; here: ResolvedResource }>> {
  const resolved = await resolveResource(db, caller, resource);
  if (resolved.ok && !canRead(resolved.value.policy, caller, resolved.value.here)) return failure('unauthorized');
  return resolved;
}

/** `token_id` is a string in GitLab's API: anything that is not a stored id simply matches nothing. */
function parseTokenId(ref: string): number | null {
  if (!/^\d{1,16}$/.test(ref)) return null;
  const id = Number(ref);
  return isRecordId(id) ? id : null;
}

async function findTokenOf(db: Db, policy: ResourcePolicy, resolved: ResolvedResource, ref: string | number): Promise<ResourceBotToken | undefined> {
  const id = typeof ref === 'number' ? ref : parseTokenId(ref);
  return id === null ? undefined : findResourceBotToken(db, botsOf(policy, resolved), id);
}

const canRead = (policy: ResourcePolicy, caller: Caller, resolved: ResolvedResource) => canReadResourceAccessTokens(policy.kind, caller, resolved.level);

const canManage = async (db: Db, policy: ResourcePolicy, caller: Caller, resolved: ResolvedResource) =>
  canManageResourceAccessTokens(policy.kind, caller, resolved.level, await tokenCreationAllowed(db, resolved.group));

/** Why the caller may not create a token of this role here, or null (refusals of authority, audited). */
async function creationRefusal(db: Db, policy: ResourcePolicy, caller: Caller, resolved: ResolvedResource, accessLevel: number): Promise<ErrorCode | null> {
  if (!(await canManage(db, policy, caller, resolved))) return policy.creationNotAllowed;
  if (!canGrantTokenRole(caller, resolved.level, accessLevel)) return 'token_role_above_creator';
  return null;
}

/** GitLab's model validations, in its order (the bot user's, then the token's); null when valid. */
function attributesError(input: NewResourceAccessToken): Failed | null {
  const invalid = tokenAttributesError(input.name, input.description, input.scopes);
  if (invalid) return invalid;
  // §10: project bots take the same scopes as group bots (GitLab's resource bot scopes).
  const available: readonly string[] = GROUP_ACCESS_TOKEN_SCOPES;
  return input.scopes.every((scope) => available.includes(scope)) ? null : failure('scopes_unavailable');
}

/** `group_{id}_bot_{32 hex}` / `project_{id}_bot_{32 hex}`, with a counter appended in the unlikely case it is taken (§1.3, §10). */
async function insertBotUser(ctx: ServiceContext, db: Db, policy: ResourcePolicy, resourceId: number, name: string, external: boolean, now: string): Promise<UserRow> {
  const host = externalHost(ctx.config);
  const random = randomBytes(16).toString('hex');
  for (let counter = 0; ; counter += 1) {
    const username = botUsername(resourceId, random, counter, policy.kind);
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
      ...policy.botResource(resourceId),
      password_digest: null,
      created_at: now,
      updated_at: now,
    });
  }
}

/**
 * POST /groups|projects/:id/access_tokens (§2.3, §10) and `tollgate group-tokens|project-tokens
 * create`. One transaction makes the bot user, its membership, the token and the audit event; a
 * refusal leaves none of them.
 */
export async function createResourceAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  resource: ResourceRef,
  input: NewResourceAccessToken,
): Promise<Result<IssuedResourceAccessToken>> {
  const db = ctx.database.db;
  const resolved = await resolveResource(db, caller, resource);
  if (!resolved.ok) return resolved;
  const { policy, here } = resolved.value;
  const accessLevel = input.accessLevel ?? DEFAULT_TOKEN_ACCESS_LEVEL;
  if (!isAssignableAccessLevel(accessLevel)) return failure('access_level_invalid');
  const now = nowIso(ctx);
  const refusal = await creationRefusal(db, policy, caller, here, accessLevel);
  if (refusal) {
    const refused = failure(refusal);
    await recordEvent(
      db,
      caller,
      here.audit,
      {
        name: policy.auditEvents.creationFailed,
        details: {
          custom_message: `${capitalized(label(policy))} creation failed: ${refused.error.message}`,
          token_name: input.name,
          scopes: input.scopes,
          access_level: accessLevel,
        },
      },
      now,
    );
    return refused;
  }
  return transaction(ctx.database, async (trx) => {
    const invalid = attributesError(input);
    if (invalid) return invalid;
    const allowedCidrs = parseAllowedCidrs(input.allowedCidrs);
    if (!allowedCidrs.ok) return allowedCidrs;
    const terms = await issuanceTerms(ctx, trx, 'create', input.expiresAt);
    if (!terms.ok) return terms;
    const limited = await tokenCreationRefusal(ctx, trx, caller);
    if (limited) return limited;
    // §1.3: an external creator makes an external bot (it must not reach internal projects).
    const bot = await insertBotUser(ctx, trx, policy, here.id, input.name, caller.external, now);
    await insertMember(trx, {
      user_id: bot.id,
      source_type: policy.kind,
      source_id: here.id,
      access_level: accessLevel,
      expires_at: null,
      created_by_id: caller.user.id,
      created_at: now,
      updated_at: now,
    }, bot.user_type);
    const issued = await issueToken(
      ctx,
      trx,
      bot,
      {
        name: input.name,
        description: input.description ?? null,
        scopes: input.scopes,
        ...terms.value,
        groupId: rootGroupId(here.group),
        previousId: null,
        allowedCidrs: allowedCidrs.value,
      },
      now,
    );
    await recordEvent(
      trx,
      caller,
      here.audit,
      {
        name: policy.auditEvents.created,
        targetType: 'PersonalAccessToken',
        targetId: issued.row.id,
        targetDetails: issued.row.name,
        details: {
          custom_message: `Created ${label(policy)} with token_id: ${issued.row.id} with scopes: ${JSON.stringify(input.scopes)} and ${roleName(accessLevel)} access level.`,
          token_id: issued.row.id,
          scopes: input.scopes,
          access_level: accessLevel,
          expires_at: issued.row.expires_at,
          bot_user_id: bot.id,
          bot_username: bot.username,
          allowed_cidrs: allowedCidrs.value,
        },
      },
      now,
    );
    return ok({ token: issued.row, plaintext: issued.token, accessLevel, kind: policy.kind, resourceId: here.id });
  });
}

/** GET …/access_tokens (§2.1): every token of the resource's bots, inactive ones included. */
export async function listResourceAccessTokens(
  ctx: ServiceContext,
  caller: Caller,
  resource: ResourceRef,
  filters: TokenListFilters,
  page: Page,
): Promise<Result<{ tokens: ResourceAccessToken[]; total: number }>> {
  const db = ctx.database.db;
  const readable = await resolveReadable(db, caller, resource);
  if (!readable.ok) return readable;
  const { policy, here } = readable.value;
  // A fixed number of queries whatever the number of bots and tokens (no N+1, §8.1 L6); roles are
  // read for the page's bots only (findResourceTokens).
  const bots = botsOf(policy, here);
  const { rows, total } = await findResourceTokens(db, { ...filters, botsOf: bots }, page, ctx.clock.now(), countLimitOf(page));
  return ok({ tokens: rows.map((found) => present(policy, here, found)), total });
}

/** GET …/access_tokens/:token_id (§2.2). */
export async function getResourceAccessToken(ctx: ServiceContext, caller: Caller, resource: ResourceRef, tokenRef: string): Promise<Result<ResourceAccessToken>> {
  const db = ctx.database.db;
  const readable = await resolveReadable(db, caller, resource);
  if (!readable.ok) return readable;
  const { policy, here } = readable.value;
  const found = await findTokenOf(db, policy, here, tokenRef);
  return found ? ok(present(policy, here, found)) : failure(policy.tokenNotFound);
}

/**
 * The guards of the `self` endpoints (§2.5): only a resource access token may use them; a browser
 * session, or the token of a human or an admin, is 405. The resource's policy is not consulted (§10).
 */
function selfTokenId(caller: Caller): Result<number> {
  if (caller.token === null || caller.userType !== 'project_bot') return failure('method_not_allowed');
  return ok(caller.token.id);
}

/** The resource and the caller's own token in it; a token of another resource's bot is 401 here. */
async function resolveSelf(db: Db, policy: ResourcePolicy, caller: Caller, ref: string): Promise<Result<{ here: ResolvedResource; found: ResourceBotToken }>> {
  const tokenId = selfTokenId(caller);
  if (!tokenId.ok) return tokenId;
  const resolved = await policy.resolve(db, caller, ref);
  if (!resolved.ok) return resolved;
  const found = await findTokenOf(db, policy, resolved.value, tokenId.value);
  return found ? ok({ here: resolved.value, found }) : failure('unauthorized');
}

/** GET …/access_tokens/self (T1): the resource access token the request authenticated with. */
export async function getSelfResourceAccessToken(ctx: ServiceContext, caller: Caller, resource: ResourceRef): Promise<Result<ResourceAccessToken>> {
  const policy = POLICIES[resource.kind];
  const self = await resolveSelf(ctx.database.db, policy, caller, resource.ref);
  if (!self.ok) return self;
  return ok(present(policy, self.value.here, self.value.found));
}

/**
 * The rotation itself (§4.2), inside the caller's transaction: revoke the old token, issue its
 * successor for the same bot, renew the bot's membership, record the event. `botExternal` is the
 * rotating user's `external` (GitLab resets the bot's flag to it); undefined leaves it unchanged.
 * `graceSeconds`: the old token's overlap window (Tollgate's own, token-issuance.ts#rotateToken).
 */
async function rotateIn(
  ctx: ServiceContext,
  trx: Db,
  policy: ResourcePolicy,
  caller: Caller,
  here: ResolvedResource,
  { token, accessLevel }: ResourceBotToken,
  terms: IssuanceTerms,
  botExternal: boolean | undefined,
  graceSeconds: number,
): Promise<Result<IssuedResourceAccessToken>> {
  const now = nowIso(ctx);
  const bot = await findUserById(trx, token.user_id);
  if (!bot) return failure(policy.tokenNotFound);
  const rotated = await rotateToken(ctx, trx, token, bot, terms, now, graceSeconds);
  if (!rotated.ok) return rotated;
  const successor = rotated.value.row;
  await clearMembershipExpiry(trx, bot.id, now);
  if (botExternal !== undefined && botExternal !== (bot.external === 1)) await updateUser(trx, bot.id, { external: botExternal ? 1 : 0, updated_at: now });
  await recordEvent(
    trx,
    caller,
    here.audit,
    {
      name: policy.auditEvents.rotated,
      targetType: 'PersonalAccessToken',
      targetId: token.id,
      targetDetails: token.name,
      details: {
        custom_message:
          `Rotated ${label(policy)} with token_id: ${token.id}; the new token_id is ${successor.id}` +
          (rotated.value.graceEndsAt ? `; the old token works until ${rotated.value.graceEndsAt}` : ''),
        token_id: token.id,
        new_token_id: successor.id,
        expires_at: successor.expires_at,
        self_rotation: caller.token?.id === token.id,
        ...rotationGraceDetails(graceSeconds, rotated.value.graceEndsAt),
      },
    },
    now,
  );
  return ok({ token: successor, plaintext: rotated.value.token, accessLevel, kind: policy.kind, resourceId: here.id });
}

/** POST …/access_tokens/:token_id/rotate (§2.4, §10). */
export async function rotateResourceAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  resource: ResourceRef,
  tokenRef: string | number,
  expiresAtParam: string | undefined,
  graceSeconds = 0,
): Promise<Result<IssuedResourceAccessToken>> {
  const resolved = await resolveResource(ctx.database.db, caller, resource);
  if (!resolved.ok) return resolved;
  const { policy, here } = resolved.value;
  // "Only admins should be informed if the token doesn't exist" (§2.4).
  const denied = () => failure(caller.isAdmin ? 'not_found' : 'unauthorized');
  return transaction(ctx.database, async (trx) => {
    if (!(await canManage(trx, policy, caller, here))) return denied();
    const found = await findTokenOf(trx, policy, here, tokenRef);
    if (!found) return denied();
    if (found.token.revoked === 1) return failure('token_already_revoked');
    // Inside the transaction: a refused rotation leaves the old token active (§10).
    if (!canGrantTokenRole(caller, here.level, found.accessLevel)) return failure('token_role_above_rotator');
    const terms = await issuanceTerms(ctx, trx, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    return rotateIn(ctx, trx, policy, caller, here, found, terms.value, caller.external, graceSeconds);
  });
}

/** POST …/access_tokens/self/rotate (§2.5): a resource access token renews itself. */
export async function selfRotateResourceAccessToken(
  ctx: ServiceContext,
  caller: Caller,
  resource: ResourceRef,
  expiresAtParam: string | undefined,
  graceSeconds = 0,
): Promise<Result<IssuedResourceAccessToken>> {
  const policy = POLICIES[resource.kind];
  return transaction(ctx.database, async (trx) => {
    const self = await resolveSelf(trx, policy, caller, resource.ref);
    if (!self.ok) return self;
    const terms = await issuanceTerms(ctx, trx, 'rotate', expiresAtParam);
    if (!terms.ok) return terms;
    return rotateIn(ctx, trx, policy, caller, self.value.here, self.value.found, terms.value, undefined, graceSeconds);
  });
}

/**
 * DELETE …/access_tokens/:token_id (§2.6, §10). The token is looked up before permissions, as
 * GitLab does; the bot user is kept (T6), so the token stays listed as inactive.
 */
export async function revokeResourceAccessToken(ctx: ServiceContext, caller: Caller, resource: ResourceRef, tokenRef: string | number): Promise<Result<ResourceAccessToken>> {
  const db = ctx.database.db;
  const resolved = await resolveResource(db, caller, resource);
  if (!resolved.ok) return resolved;
  const { policy, here } = resolved.value;
  const found = await findTokenOf(db, policy, here, tokenRef);
  if (!found) return failure(policy.tokenNotFound);
  if (!canRead(policy, caller, here)) {
    const bot = await findUserById(db, found.token.user_id);
    return failure('token_revocation_not_allowed', `${caller.user.name} cannot delete ${bot?.name ?? found.token.name}`);
  }
  return transaction(ctx.database, async (trx) => {
    const now = nowIso(ctx);
    // Revoking a revoked token is a success that changes nothing (and records nothing).
    if (await revokeTokenIfActive(trx, found.token.id, now)) {
      await recordEvent(
        trx,
        caller,
        here.audit,
        {
          name: policy.auditEvents.revoked,
          targetType: 'PersonalAccessToken',
          targetId: found.token.id,
          targetDetails: found.token.name,
          details: { custom_message: `Revoked ${label(policy)} with token_id: ${found.token.id}`, token_id: found.token.id },
        },
        now,
      );
    }
    return ok(present(policy, here, found));
  });
}
