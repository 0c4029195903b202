import { AccessLevel, canAssignRole } from './access-levels.js';
import type { ResourceKind } from './bot-users.js';

/**
 * Who may do what (GitLab's policies, reduced to what Tollgate serves). Each rule takes the actor
 * and the actor's effective access level on the resource: the highest of their memberships of it
 * and of every group above it.
 */
export interface Actor {
  id: number;
  isAdmin: boolean;
  external: boolean;
  userType: 'human' | 'project_bot' | 'ghost';
}

export type Visibility = 'private' | 'internal' | 'public';
export const VISIBILITIES: Visibility[] = ['private', 'internal', 'public'];

/** Admins count as Owner wherever a role ceiling is computed (T8). */
export function effectiveLevel(actor: Actor | null, memberLevel: number): number {
  return actor?.isAdmin ? AccessLevel.OWNER : memberLevel;
}

/**
 * Read access by visibility: public for anyone, internal for any signed-in non-external user
 * (group access tokens' bots are internal users unless their creator was external), private for
 * members of the resource or a group above it.
 */
export function canRead(actor: Actor | null, visibility: Visibility, memberLevel: number): boolean {
  if (visibility === 'public') return true;
  if (!actor) return false;
  if (actor.isAdmin || memberLevel >= AccessLevel.GUEST) return true;
  return visibility === 'internal' && !actor.external;
}

const isOwner = (actor: Actor | null, memberLevel: number): boolean =>
  effectiveLevel(actor, memberLevel) >= AccessLevel.OWNER;

/** GitLab's defaults: Maintainers create subgroups, Developers create projects. */
export const canCreateSubgroup = (actor: Actor, memberLevel: number) => effectiveLevel(actor, memberLevel) >= AccessLevel.MAINTAINER;
export const canCreateProject = (actor: Actor, memberLevel: number) => effectiveLevel(actor, memberLevel) >= AccessLevel.DEVELOPER;
export const canAdminGroup = (actor: Actor, memberLevel: number) => isOwner(actor, memberLevel);
/** Group members are managed by Owners; project members by Maintainers. */
export const canManageMembers = (actor: Actor, sourceType: 'group' | 'project', memberLevel: number) =>
  effectiveLevel(actor, memberLevel) >= (sourceType === 'group' ? AccessLevel.OWNER : AccessLevel.MAINTAINER);
/** Anyone may leave a group or project; removing someone else is for those who manage its members. */
export const canRemoveMember = (actor: Actor, sourceType: 'group' | 'project', memberLevel: number, userId: number) =>
  userId === actor.id || canManageMembers(actor, sourceType, memberLevel);
/** §10: the membership of an access token's bot goes with its token, never through the members API (403). */
export const isRemovableMembership = (memberType: Actor['userType']) => memberType !== 'project_bot';

/** Private code needs Reporter; public and internal code follows read access. */
export function canDownloadCode(actor: Actor | null, visibility: Visibility, memberLevel: number): boolean {
  if (!canRead(actor, visibility, memberLevel)) return false;
  if (visibility !== 'private' || actor?.isAdmin) return true;
  return memberLevel >= AccessLevel.REPORTER;
}
export const canPushCode = (actor: Actor, memberLevel: number) => effectiveLevel(actor, memberLevel) >= AccessLevel.DEVELOPER;

/** Any signed-in user who can read a project may open an issue in it. */
export const canCreateIssue = (actor: Actor | null, visibility: Visibility, memberLevel: number) =>
  actor !== null && canRead(actor, visibility, memberLevel);

/**
 * GitLab's `admin_group` (Owners) and `admin_project` (Maintainers and Owners): a resource's
 * settings and hooks; admins everywhere, bots of that role included.
 */
const ADMIN_LEVEL: Record<ResourceKind, number> = { group: AccessLevel.OWNER, project: AccessLevel.MAINTAINER };

export const canAdminResource = (kind: ResourceKind, actor: Actor, memberLevel: number) => effectiveLevel(actor, memberLevel) >= ADMIN_LEVEL[kind];

/** read_resource_access_tokens (list, get, revoke): the resource's admins (§2.0, §10). */
export const canReadResourceAccessTokens = canAdminResource;

/**
 * create_resource_access_tokens / manage_resource_access_tokens: read ability, creation allowed
 * by the top-level group, and never for a bot (an access token cannot mint tokens).
 */
export const canManageResourceAccessTokens = (kind: ResourceKind, actor: Actor, memberLevel: number, creationAllowed: boolean) =>
  canReadResourceAccessTokens(kind, actor, memberLevel) && creationAllowed && actor.userType !== 'project_bot';

/** read_group_audit_events / read_project_audit_events: the same roles as the tokens they record. */
export const canReadAuditEvents = (kind: ResourceKind, actor: Actor, memberLevel: number) => canReadResourceAccessTokens(kind, actor, memberLevel);

/** §2.0: Owners and admins, bots that are Owners included. */
const canReadGroupAccessTokens = (actor: Actor, memberLevel: number) => canReadResourceAccessTokens('group', actor, memberLevel);
const canManageGroupAccessTokens = (actor: Actor, memberLevel: number, creationAllowed: boolean) =>
  canManageResourceAccessTokens('group', actor, memberLevel, creationAllowed);

/**
 * T8: a token's role never exceeds the role of whoever grants it (creation) or renews it
 * (rotation by id); admins count as Owner.
 */
export const canGrantTokenRole = (actor: Actor, memberLevel: number, tokenLevel: number) => canAssignRole(effectiveLevel(actor, memberLevel), tokenLevel);

/**
 * What the caller may do on a group, named as GitLab names its abilities, for clients that show
 * or hide actions (the web UI): computed here, by the same rules the API enforces.
 */
export interface GroupAbilities {
  /** Settings > General, and deleting the group. */
  admin_group: boolean;
  admin_group_member: boolean;
  create_subgroup: boolean;
  create_projects: boolean;
  read_resource_access_tokens: boolean;
  create_resource_access_token: boolean;
  /** The caller's role: their highest membership here or above, administrators as Owner; the highest role they may give a token (T8). */
  access_level: number;
}

export function groupAbilities(actor: Actor | null, memberLevel: number, tokenCreationAllowed: boolean): GroupAbilities {
  if (!actor) {
    return {
      admin_group: false,
      admin_group_member: false,
      create_subgroup: false,
      create_projects: false,
      read_resource_access_tokens: false,
      create_resource_access_token: false,
      access_level: 0,
    };
  }
  const canManageTokens = canManageGroupAccessTokens(actor, memberLevel, tokenCreationAllowed);
  return {
    admin_group: canAdminGroup(actor, memberLevel),
    admin_group_member: canManageMembers(actor, 'group', memberLevel),
    create_subgroup: canCreateSubgroup(actor, memberLevel),
    create_projects: canCreateProject(actor, memberLevel),
    read_resource_access_tokens: canReadGroupAccessTokens(actor, memberLevel),
    create_resource_access_token: canManageTokens,
    access_level: effectiveLevel(actor, memberLevel),
  };
}

/** What the caller may do on a project (GitLab's ProjectPolicy, §10), for the web UI, as groupAbilities. */
export interface ProjectAbilities {
  /** Project settings (GitLab's `admin_project`): Maintainers and above. */
  admin_project: boolean;
  read_resource_access_tokens: boolean;
  create_resource_access_token: boolean;
  /** The caller's effective role: the highest of the project membership and the groups above, administrators as Owner; the highest role they may give a token (T8). */
  access_level: number;
}

export function projectAbilities(actor: Actor | null, memberLevel: number, tokenCreationAllowed: boolean): ProjectAbilities {
  if (!actor) return { admin_project: false, read_resource_access_tokens: false, create_resource_access_token: false, access_level: 0 };
  return {
    admin_project: canAdminResource('project', actor, memberLevel),
    read_resource_access_tokens: canReadResourceAccessTokens('project', actor, memberLevel),
    create_resource_access_token: canManageResourceAccessTokens('project', actor, memberLevel, tokenCreationAllowed),
    access_level: effectiveLevel(actor, memberLevel),
  };
}
