import { decideRole, hasRequiredScope, type ForwardAuthRequirement, type ForwardAuthTarget } from '../domain/forward-auth.js';
import { findGroupByFullPath } from '../store/repositories/groups.js';
import { findProjectInGroup } from '../store/repositories/projects.js';
import type { Db } from '../store/repositories/common.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';
import { groupAccessLevel, projectAccessLevel } from './access.js';
import type { TokenAuthenticatedCaller } from './caller.js';
import type { ServiceContext } from './context.js';
import { authenticateBehindThrottle } from './failed-auth-throttle.js';

/**
 * Forward auth for reverse proxies (docs/forward-auth.md): may this token's holder reach the
 * service behind the proxy? Authentication is the API's (authenticateToken: cache, expiry,
 * revocation, reuse detection) and its failed-authentication throttle: the endpoint is as good a
 * place to guess tokens as the API, and as GitLab bans neither, neither is banned (issue 14).
 */

/** What the request presented, as the route read it from its headers. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  /** Something that cannot be a token (a Basic header that does not decode, an empty password or Bearer). */
  | { kind: 'malformed' };

export interface ForwardAuthRequest {
  credential: PresentedCredential;
  requirement: ForwardAuthRequirement;
  ip: string;
  /** The URL path, for token reuse detection. */
  path: string;
}

export type ForwardAuthRefusal =
  /** No usable token: 401 with a challenge. */
  | { ok: false; status: 401; reason: 'missing' | 'unknown' | 'expired' | 'revoked' | 'ip_refused' }
  | { ok: false; status: 403; reason: 'blocked' | 'insufficient_scope' }
  /** The client's address failed too often this minute (the API's throttle). */
  | { ok: false; status: 429; reason: 'throttled'; retryAfterSeconds: number }
  /** The user may not see the group or project, or holds too low a role there (or it does not exist). */
  | { ok: false; status: 403; reason: 'forbidden'; caller: TokenAuthenticatedCaller };

export type ForwardAuthDecision = { ok: true; caller: TokenAuthenticatedCaller; accessLevel: number } | ForwardAuthRefusal;

type Resource = { kind: 'group'; group: GroupRow } | { kind: 'project'; project: ProjectRow; group: GroupRow };

/** By full path only (never an id: `group=2024` is the group whose path is 2024). */
async function findResource(db: Db, target: ForwardAuthRequirement['target']): Promise<Resource | undefined> {
  if (target.kind === 'group') {
    const group = await findGroupByFullPath(db, target.fullPath);
    return group && { kind: 'group', group };
  }
  const slash = target.fullPath.lastIndexOf('/');
  const group = slash > 0 ? await findGroupByFullPath(db, target.fullPath.slice(0, slash)) : undefined;
  const project = group && (await findProjectInGroup(db, group.id, target.fullPath.slice(slash + 1)));
  return project && group && { kind: 'project', project, group };
}

/** The user's standing on it: the API's effective role, inherited down the hierarchy. */
async function standingOn(db: Db, resource: Resource, userId: number): Promise<ForwardAuthTarget> {
  if (resource.kind === 'group') return { visibility: resource.group.visibility, memberLevel: await groupAccessLevel(db, userId, resource.group) };
  return { visibility: resource.project.visibility, memberLevel: await projectAccessLevel(db, userId, resource.project, resource.group) };
}

/**
 * The decision, in the order of the API: credentials (the throttle first, and only where a token
 * is presented), then the token's scopes, then the role on the group or project.
 */
export async function decideForwardAuth(ctx: ServiceContext, request: ForwardAuthRequest): Promise<ForwardAuthDecision> {
  const { credential, requirement, ip } = request;
  if (credential.kind === 'none') return { ok: false, status: 401, reason: 'missing' };
  const db = ctx.database.db;
  const presented = credential.kind === 'token' ? credential.token : null;
  // The token first, then the group or project: a held address costs no lookup at all, and a
  // valid token is usually answered from memory, so running them side by side would gain little.
  const outcome = await authenticateBehindThrottle(ctx, presented, { path: request.path, ip });
  if (outcome.kind === 'throttled') return { ok: false, status: 429, reason: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds };
  if (outcome.kind === 'blocked') return { ok: false, status: 403, reason: 'blocked' };
  if (outcome.kind !== 'ok') return { ok: false, status: 401, reason: outcome.kind };
  const { caller } = outcome;
  if (!hasRequiredScope(caller.token.scopes, requirement)) return { ok: false, status: 403, reason: 'insufficient_scope' };
  const resource = await findResource(db, requirement.target);
  const decision = decideRole(caller, resource ? await standingOn(db, resource, caller.id) : null, requirement.minAccessLevel);
  if (decision.kind === 'forbidden') return { ok: false, status: 403, reason: 'forbidden', caller };
  return { ok: true, caller, accessLevel: decision.accessLevel };
}
