import { AccessLevel } from '../domain/access-levels.js';
import { failure, invalidFields, type FieldError } from '../domain/errors.js';
import { canAdminGroup, canCreateSubgroup, canRead, groupAbilities, type Actor, type GroupAbilities, type Visibility } from '../domain/permissions.js';
import { isReservedTopLevelPath } from '../domain/reserved-paths.js';
import { ok, type Result } from '../domain/result.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { deleteGroup, findChildren, findGroupByFullPath, findGroupById, findGroupsByIds, findSelfAndDescendants, insertGroup, rootGroupId, traversalIds, listAllGroups, updateGroup, deleteMembersOfSources, insertMember } from '../store/repositories/groups.js';
import { findProjectInGroup, findProjectsInGroups, reassignIssuesAuthor } from '../store/repositories/projects.js';
import { deleteUser, findBotIdsOfGroups, findGhostUser } from '../store/repositories/users.js';
import type { GroupRow } from '../store/schema.js';
import { groupAccessLevel, inheritedLevel, membershipLevels } from './access.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { pageOfList, type Listed, type Page } from './lists.js';
import { removeGroupRepositories } from './repositories.js';

export interface ResolvedGroup {
  group: GroupRow;
  /** The actor's effective role on the group (0 when none). */
  level: number;
}

/** A group with its full name ("Root / Sub / Group"), as the API shows it. */
export interface NamedGroup {
  group: GroupRow;
  fullName: string;
}

const NUMERIC_ID = /^-?\d+$/;

/** `:id` is a numeric id or a full path; a group the actor may not read is not found (§2.0). */
export async function resolveGroup(db: Db, actor: Actor | null, id: string): Promise<Result<ResolvedGroup>> {
  const numeric = NUMERIC_ID.test(id);
  const group = numeric ? (isRecordId(Number(id)) ? await findGroupById(db, Number(id)) : undefined) : await findGroupByFullPath(db, id);
  if (!group) return failure('group_not_found');
  const level = await groupAccessLevel(db, actor?.id, group);
  if (!canRead(actor, group.visibility, level)) return failure('group_not_found');
  return ok({ group, level });
}

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

/** "Root / Sub / Group" for each group, from one query for all their ancestors. */
export async function groupFullNames(db: Db, groups: GroupRow[]): Promise<Map<number, string>> {
  const ids = [...new Set(groups.flatMap((g) => traversalIds(g)))];
  const ancestors = await findGroupsByIds(db, ids);
  const nameById = new Map(ancestors.map((g) => [g.id, g.name]));
  return new Map(groups.map((g) => [g.id, traversalIds(g).map((id) => nameById.get(id) ?? '').join(' / ')]));
}

async function named(db: Db, groups: GroupRow[]): Promise<NamedGroup[]> {
  const names = await groupFullNames(db, groups);
  return groups.map((group) => ({ group, fullName: names.get(group.id) ?? group.name }));
}

const namedOne = async (db: Db, group: GroupRow): Promise<NamedGroup> => (await named(db, [group]))[0]!;

export interface NewGroupInput {
  name: string;
  path: string;
  parentId?: number | undefined;
  visibility?: Visibility | undefined;
  description?: string | undefined;
}

/** POST /groups: a group or, with a parent, a subgroup; the creator becomes its Owner. */
export async function createGroup(ctx: ServiceContext, caller: Caller, input: NewGroupInput): Promise<Result<NamedGroup>> {
  return transaction(ctx.database, async (db) => {
    let parent: GroupRow | null = null;
    if (input.parentId !== undefined) {
      const resolved = await resolveGroup(db, caller, String(input.parentId));
      if (!resolved.ok) return resolved;
      if (!canCreateSubgroup(caller, resolved.value.level)) return failure('forbidden');
      parent = resolved.value.group;
    } else if (caller.userType !== 'human' || caller.external) {
      return failure('forbidden');
    }
    const errors: FieldError[] = [];
    if (input.name.trim() === '') errors.push({ field: 'name', message: "Name can't be blank" });
    if (input.name.length > MAX_LENGTH) errors.push({ field: 'name', message: `Name is too long (maximum is ${MAX_LENGTH} characters)` });
    const badPath = pathError(input.path);
    if (badPath) errors.push({ field: 'path', message: badPath });
    else if (!parent && isReservedTopLevelPath(input.path)) errors.push({ field: 'path', message: `Path ${input.path} is a reserved name` });
    const visibility = input.visibility ?? 'private';
    const badVisibility = visibilityError(visibility, parent, 'group');
    if (badVisibility) errors.push({ field: 'visibility', message: badVisibility });
    if (errors.length > 0) return invalidFields('invalid_attributes', errors);
    const fullPath = parent ? `${parent.full_path}/${input.path}` : input.path;
    // Subgroups and projects share their parent's namespace (and URLs), as in GitLab.
    const takenByProject = parent !== null && (await findProjectInGroup(db, parent.id, input.path));
    if (takenByProject || (await findGroupByFullPath(db, fullPath))) return failure('group_path_taken');
    const now = nowIso(ctx);
    let group: GroupRow;
    try {
      group = await insertGroup(db, { name: input.name, path: input.path, parent, visibility, description: input.description ?? '', now });
    } catch (error) {
      if (isUniqueViolation(error)) return failure('group_path_taken');
      throw error;
    }
    // The creator owns what they create, as in GitLab.
    await insertMember(db, {
      user_id: caller.id,
      source_type: 'group',
      source_id: group.id,
      access_level: AccessLevel.OWNER,
      expires_at: null,
      created_by_id: caller.id,
      created_at: now,
      updated_at: now,
    }, caller.userType);
    return ok(await namedOne(db, group));
  });
}

/** §6: the top-level group decides for its whole hierarchy whether tokens may be created. */
export async function tokenCreationAllowed(db: Db, group: GroupRow): Promise<boolean> {
  const rootId = rootGroupId(group);
  const root = rootId === group.id ? group : await findGroupById(db, rootId);
  return root?.resource_access_token_creation_allowed === 1;
}

/** GET /groups/:id/abilities: what the caller may do here, by the rules the API enforces. */
export async function getGroupAbilities(ctx: ServiceContext, caller: Caller | null, groupRef: string): Promise<Result<GroupAbilities>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  return ok(groupAbilities(caller, level, await tokenCreationAllowed(db, group)));
}

/** GET /groups/:id. */
export async function getGroup(ctx: ServiceContext, caller: Caller | null, groupRef: string): Promise<Result<NamedGroup>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  return ok(await namedOne(db, resolved.value.group));
}

export interface GroupChanges {
  name?: string | undefined;
  description?: string | undefined;
  visibility?: Visibility | undefined;
  resource_access_token_creation_allowed?: boolean | undefined;
  resource_access_token_notify_inherited?: boolean | null | undefined;
  lock_resource_access_token_notify_inherited?: boolean | undefined;
}

/** PUT /groups/:id (Owners). */
export async function changeGroup(ctx: ServiceContext, caller: Caller, groupRef: string, changes: GroupChanges): Promise<Result<NamedGroup>> {
  const resolved = await resolveGroup(ctx.database.db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  if (!canAdminGroup(caller, level)) return failure('forbidden');
  return transaction(ctx.database, async (db) => {
    const errors: FieldError[] = [];
    if (changes.name !== undefined && (changes.name.trim() === '' || changes.name.length > MAX_LENGTH)) {
      errors.push({ field: 'name', message: "Name can't be blank or longer than 255 characters" });
    }
    if (changes.visibility !== undefined) {
      const parent = group.parent_id === null ? null : ((await findGroupById(db, group.parent_id)) ?? null);
      const badVisibility = visibilityError(changes.visibility, parent, 'group') ?? (await moreVisibleChildError(db, group, changes.visibility));
      if (badVisibility) errors.push({ field: 'visibility', message: badVisibility });
    }
    // §6: the restriction is a property of the top-level group and applies to its whole hierarchy.
    if (changes.resource_access_token_creation_allowed !== undefined && group.parent_id !== null) {
      errors.push({ field: 'resource_access_token_creation_allowed', message: 'Resource access token creation allowed is not allowed since the group is not top-level group.' });
    }
    if (errors.length > 0) return invalidFields('invalid_attributes', errors);
    const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? (1 as const) : (0 as const));
    const updated = await updateGroup(db, group.id, {
      name: changes.name,
      description: changes.description,
      visibility: changes.visibility,
      resource_access_token_creation_allowed: flag(changes.resource_access_token_creation_allowed),
      resource_access_token_notify_inherited:
        changes.resource_access_token_notify_inherited === undefined ? undefined : changes.resource_access_token_notify_inherited === null ? null : flag(changes.resource_access_token_notify_inherited),
      lock_resource_access_token_notify_inherited: flag(changes.lock_resource_access_token_notify_inherited),
      updated_at: nowIso(ctx),
    });
    return ok(await namedOne(db, updated));
  });
}

/**
 * DELETE /groups/:id: removes a group with its subgroups and projects, in one transaction. Members
 * of all of them go, and so do the bots of their access tokens; anything those bots wrote elsewhere
 * moves to the ghost user. The repositories on disk go after the commit.
 */
export async function removeGroup(ctx: ServiceContext, caller: Caller, groupRef: string): Promise<Result<GroupRow[]>> {
  const resolved = await resolveGroup(ctx.database.db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  if (!canAdminGroup(caller, level)) return failure('forbidden');
  const groups = await transaction(ctx.database, async (db) => {
    const groups = await findSelfAndDescendants(db, group);
    const groupIds = groups.map((g) => g.id);
    const projects = await findProjectsInGroups(db, groupIds);
    const botIds = await findBotIdsOfGroups(db, groupIds);
    const ghost = await findGhostUser(db);
    for (const botId of botIds) {
      if (ghost) await reassignIssuesAuthor(db, botId, ghost.id);
      await deleteUser(db, botId);
    }
    await deleteMembersOfSources(db, 'group', groupIds);
    await deleteMembersOfSources(db, 'project', projects.map((p) => p.id));
    await deleteGroup(db, group.id);
    return groups;
  });
  await removeGroupRepositories(ctx, group);
  return ok(groups);
}

/** Every group the actor can read, with the actor's role on each. */
async function visibleGroups(db: Db, actor: Actor | null): Promise<ResolvedGroup[]> {
  const [groups, levels] = await Promise.all([listAllGroups(db), membershipLevels(db, actor?.id)]);
  return groups
    .map((group) => ({ group, level: inheritedLevel(group, levels.groups) }))
    .filter(({ group, level }) => canRead(actor, group.visibility, level));
}

export interface GroupListFilters {
  search?: string | undefined;
  /** Only groups where the caller's role is at least this. */
  minAccessLevel?: number | undefined;
  topLevelOnly?: boolean | undefined;
  /** Every group the caller can see, not only those they belong to (default: true for administrators). */
  allAvailable?: boolean | undefined;
}

/** GET /groups: the groups the caller can see (anonymous: public ones). */
export async function listGroups(ctx: ServiceContext, caller: Caller | null, filters: GroupListFilters, page: Page): Promise<Listed<NamedGroup>> {
  const db = ctx.database.db;
  const { search, minAccessLevel, topLevelOnly, allAvailable } = filters;
  // GitLab: a signed-in user sees the groups they belong to unless they ask for all_available.
  const membersOnly = caller !== null && !(allAvailable ?? caller.isAdmin);
  const groups = (await visibleGroups(db, caller))
    .filter(({ level }) => !membersOnly || level > 0)
    .filter(({ level }) => minAccessLevel === undefined || level >= minAccessLevel)
    .filter(({ group }) => !topLevelOnly || group.parent_id === null)
    .filter(({ group }) => !search || `${group.name} ${group.path}`.toLowerCase().includes(search.toLowerCase()))
    .map(({ group }) => group);
  const { items, total } = pageOfList(groups, page);
  return { items: await named(db, items), total };
}

/** GET /groups/:id/subgroups: the direct subgroups the caller can see. */
export async function listSubgroups(ctx: ServiceContext, caller: Caller | null, groupRef: string, page: Page): Promise<Result<Listed<NamedGroup>>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const visible = new Set((await visibleGroups(db, caller)).map((g) => g.group.id));
  const children = (await findChildren(db, resolved.value.group.id)).filter((g) => visible.has(g.id));
  const { items, total } = pageOfList(children, page);
  return ok({ items: await named(db, items), total });
}
