import { canAdminGroup, canCreateSubgroup, canRead, type Actor, type Visibility } from '../domain/permissions.js';
import { isReservedTopLevelPath } from '../domain/reserved-paths.js';
import { badRequest, forbidden, notFound, ok, type Result } from '../domain/result.js';
import { AccessLevel } from '../domain/access-levels.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { deleteGroup, findChildren, findGroupByFullPath, findGroupById, findGroupsByIds, findSelfAndDescendants, insertGroup, traversalIds, listAllGroups, updateGroup, deleteMembersOfSources, insertMember } from '../store/repositories/groups.js';
import { findProjectInGroup, findProjectsInGroups, reassignIssuesAuthor } from '../store/repositories/projects.js';
import { deleteUser, findGhostUser } from '../store/repositories/users.js';
import type { GroupRow, UserRow } from '../store/schema.js';
import { groupAccessLevel, inheritedLevel, membershipLevels } from './access.js';

export interface ResolvedGroup {
  group: GroupRow;
  /** The actor's effective role on the group (0 when none). */
  level: number;
}

const NUMERIC_ID = /^-?\d+$/;

/** `:id` is a numeric id or a full path; a group the actor may not read is not found (§2.0). */
export async function resolveGroup(db: Db, actor: Actor | null, id: string): Promise<Result<ResolvedGroup>> {
  const numeric = NUMERIC_ID.test(id);
  const group = numeric ? (isRecordId(Number(id)) ? await findGroupById(db, Number(id)) : undefined) : await findGroupByFullPath(db, id);
  if (!group) return notFound('Group');
  const level = await groupAccessLevel(db, actor?.id, group);
  if (!canRead(actor, group.visibility, level)) return notFound('Group');
  return ok({ group, level });
}

const PATH_TAKEN = 'Failed to save group {:path=>["has already been taken"]}';
const PATH = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/;
const MAX_LENGTH = 255;
const VISIBILITY_RANK: Record<Visibility, number> = { private: 0, internal: 10, public: 20 };

export function pathError(path: string): string | null {
  if (!PATH.test(path) || path.length > MAX_LENGTH || /\.(git|atom)$/.test(path)) {
    return 'Path can contain only letters, digits, "_", "-" and ".", cannot start with "-" or "." and cannot end in ".git" or ".atom"';
  }
  return null;
}

/** A resource is never more visible than the group that holds it (GitLab's visibility_level validation). */
export function visibilityError(visibility: Visibility, parent: Pick<GroupRow, 'visibility'> | null, kind: string): string | null {
  if (!parent || VISIBILITY_RANK[visibility] <= VISIBILITY_RANK[parent.visibility]) return null;
  return `Visibility level ${visibility} is not allowed in a ${parent.visibility} group (the ${kind} cannot be more visible than its parent)`;
}

/** The other half of the rule: a group cannot become less visible than what it holds (GitLab's messages). */
async function moreVisibleChildError(db: Db, group: GroupRow, visibility: Visibility): Promise<string | null> {
  const rank = VISIBILITY_RANK[visibility];
  if ((await findChildren(db, group.id)).some((child) => VISIBILITY_RANK[child.visibility] > rank)) {
    return `Visibility level ${visibility} is not allowed since there are sub-groups with higher visibility.`;
  }
  if ((await findProjectsInGroups(db, [group.id])).some((project) => VISIBILITY_RANK[project.visibility] > rank)) {
    return `Visibility level ${visibility} is not allowed since this group contains projects with higher visibility.`;
  }
  return null;
}

export interface NewGroupInput {
  name: string;
  path: string;
  parentId?: number | undefined;
  visibility?: Visibility | undefined;
  description?: string | undefined;
}

export async function createGroup(db: Db, creator: UserRow, actor: Actor, input: NewGroupInput, now: string): Promise<Result<GroupRow>> {
  let parent: GroupRow | null = null;
  if (input.parentId !== undefined) {
    const resolved = await resolveGroup(db, actor, String(input.parentId));
    if (!resolved.ok) return resolved;
    if (!canCreateSubgroup(actor, resolved.value.level)) return forbidden();
    parent = resolved.value.group;
  } else if (actor.userType !== 'human' || actor.external) {
    return forbidden();
  }
  const errors: string[] = [];
  if (input.name.trim() === '') errors.push("Name can't be blank");
  if (input.name.length > MAX_LENGTH) errors.push(`Name is too long (maximum is ${MAX_LENGTH} characters)`);
  const badPath = pathError(input.path);
  if (badPath) errors.push(badPath);
  else if (!parent && isReservedTopLevelPath(input.path)) errors.push(`Path ${input.path} is a reserved name`);
  const visibility = input.visibility ?? 'private';
  const badVisibility = visibilityError(visibility, parent, 'group');
  if (badVisibility) errors.push(badVisibility);
  if (errors.length > 0) return badRequest(errors.join(', '));
  const fullPath = parent ? `${parent.full_path}/${input.path}` : input.path;
  // Subgroups and projects share their parent's namespace (and URLs), as in GitLab.
  const takenByProject = parent !== null && (await findProjectInGroup(db, parent.id, input.path));
  if (takenByProject || (await findGroupByFullPath(db, fullPath))) return badRequest(PATH_TAKEN);
  let group: GroupRow;
  try {
    group = await insertGroup(db, { name: input.name, path: input.path, parent, visibility, description: input.description ?? '', now });
  } catch (error) {
    if (isUniqueViolation(error)) return badRequest(PATH_TAKEN);
    throw error;
  }
  // The creator owns what they create, as in GitLab.
  await insertMember(db, {
    user_id: creator.id,
    source_type: 'group',
    source_id: group.id,
    access_level: AccessLevel.OWNER,
    expires_at: null,
    created_by_id: creator.id,
    created_at: now,
    updated_at: now,
  });
  return ok(group);
}

export interface GroupChanges {
  name?: string | undefined;
  description?: string | undefined;
  visibility?: Visibility | undefined;
  resource_access_token_creation_allowed?: boolean | undefined;
  resource_access_token_notify_inherited?: boolean | null | undefined;
  lock_resource_access_token_notify_inherited?: boolean | undefined;
}

export async function changeGroup(db: Db, actor: Actor, resolved: ResolvedGroup, changes: GroupChanges, now: string): Promise<Result<GroupRow>> {
  const { group } = resolved;
  if (!canAdminGroup(actor, resolved.level)) return forbidden();
  const errors: string[] = [];
  if (changes.name !== undefined && (changes.name.trim() === '' || changes.name.length > MAX_LENGTH)) errors.push("Name can't be blank or longer than 255 characters");
  if (changes.visibility !== undefined) {
    const parent = group.parent_id === null ? null : ((await findGroupById(db, group.parent_id)) ?? null);
    const badVisibility = visibilityError(changes.visibility, parent, 'group') ?? (await moreVisibleChildError(db, group, changes.visibility));
    if (badVisibility) errors.push(badVisibility);
  }
  // §6: the restriction is a property of the top-level group and applies to its whole hierarchy.
  if (changes.resource_access_token_creation_allowed !== undefined && group.parent_id !== null) {
    errors.push('Resource access token creation allowed is not allowed since the group is not top-level group.');
  }
  if (errors.length > 0) return badRequest(errors.join(', '));
  const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? (1 as const) : (0 as const));
  const updated = await updateGroup(db, group.id, {
    name: changes.name,
    description: changes.description,
    visibility: changes.visibility,
    resource_access_token_creation_allowed: flag(changes.resource_access_token_creation_allowed),
    resource_access_token_notify_inherited:
      changes.resource_access_token_notify_inherited === undefined ? undefined : changes.resource_access_token_notify_inherited === null ? null : flag(changes.resource_access_token_notify_inherited),
    lock_resource_access_token_notify_inherited: flag(changes.lock_resource_access_token_notify_inherited),
    updated_at: now,
  });
  return ok(updated);
}

/**
 * Removes a group with its subgroups and projects. Members of all of them go, and so do the bots of
 * their access tokens; anything those bots wrote elsewhere moves to the ghost user.
 */
export async function removeGroup(db: Db, actor: Actor, resolved: ResolvedGroup): Promise<Result<GroupRow[]>> {
  if (!canAdminGroup(actor, resolved.level)) return forbidden();
  const groups = await findSelfAndDescendants(db, resolved.group);
  const groupIds = groups.map((g) => g.id);
  const projects = await findProjectsInGroups(db, groupIds);
  const bots = await db.selectFrom('users').select('id').where('bot_namespace_id', 'in', groupIds).execute();
  const ghost = await findGhostUser(db);
  for (const bot of bots) {
    if (ghost) await reassignIssuesAuthor(db, bot.id, ghost.id);
    await deleteUser(db, bot.id);
  }
  await deleteMembersOfSources(db, 'group', groupIds);
  await deleteMembersOfSources(db, 'project', projects.map((p) => p.id));
  await deleteGroup(db, resolved.group.id);
  return ok(groups);
}

/** Every group the actor can read, with the actor's role on each. */
export async function visibleGroups(db: Db, actor: Actor | null): Promise<ResolvedGroup[]> {
  const [groups, levels] = await Promise.all([listAllGroups(db), membershipLevels(db, actor?.id)]);
  return groups
    .map((group) => ({ group, level: inheritedLevel(group, levels.groups) }))
    .filter(({ group, level }) => canRead(actor, group.visibility, level));
}

export const subgroupsOf = (db: Db, group: GroupRow) => findChildren(db, group.id);

/** "Root / Sub / Group" for each group, from one query for all their ancestors. */
export async function groupFullNames(db: Db, groups: GroupRow[]): Promise<Map<number, string>> {
  const ids = [...new Set(groups.flatMap((g) => traversalIds(g)))];
  const ancestors = await findGroupsByIds(db, ids);
  const nameById = new Map(ancestors.map((g) => [g.id, g.name]));
  return new Map(groups.map((g) => [g.id, traversalIds(g).map((id) => nameById.get(id) ?? '').join(' / ')]));
}
