import { AccessLevel, isAssignableAccessLevel } from '../domain/access-levels.js';
import { failure } from '../domain/errors.js';
import { canManageMembers, effectiveLevel, type Actor } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { lockGroupMembership, traversalIds, deleteMember, findGroupMembershipsOfUser, findMember, findMembersOfSources, insertMember, updateMember } from '../store/repositories/groups.js';
import { findUserById, findUsersByIds } from '../store/repositories/users.js';
import type { MemberRow, UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveGroup, type ResolvedGroup } from './groups.js';
import { pageOfList, type Listed, type Page } from './lists.js';

export interface MemberWithUser {
  member: MemberRow;
  user: UserRow;
}

async function withUsers(db: Db, members: MemberRow[]): Promise<MemberWithUser[]> {
  if (members.length === 0) return [];
  const users = await findUsersByIds(db, members.map((m) => m.user_id));
  const byId = new Map(users.map((u) => [u.id, u]));
  return members.flatMap((member) => {
    const user = byId.get(member.user_id);
    return user ? [{ member, user }] : [];
  });
}

async function directGroupMembers(db: Db, group: ResolvedGroup['group']): Promise<MemberWithUser[]> {
  return withUsers(db, await findMembersOfSources(db, 'group', [group.id]));
}

/** Of one user's memberships of a group and the groups above it, the one members/all shows: the highest role, the group's own on a tie. */
function bestMemberships(group: ResolvedGroup['group'], members: MemberRow[]): MemberRow[] {
  const best = new Map<number, MemberRow>();
  for (const m of members) {
    const current = best.get(m.user_id);
    if (!current || m.access_level > current.access_level || (m.access_level === current.access_level && m.source_id === group.id)) best.set(m.user_id, m);
  }
  return [...best.values()].sort((a, b) => a.user_id - b.user_id);
}

/** Direct and inherited members, each with their highest role (GitLab's members/all). */
async function allGroupMembers(db: Db, group: ResolvedGroup['group']): Promise<MemberWithUser[]> {
  return withUsers(db, bestMemberships(group, await findMembersOfSources(db, 'group', traversalIds(group))));
}

/**
 * GET /groups/:id/members and, with `inherited`, /members/all: the members of a group the caller
 * can see, filtered by a search on username and name.
 */
export async function listGroupMembers(
  ctx: ServiceContext,
  caller: Caller | null,
  groupRef: string,
  options: { inherited: boolean; search?: string | undefined },
  page: Page,
): Promise<Result<Listed<MemberWithUser>>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const search = options.search?.toLowerCase();
  const members = (await (options.inherited ? allGroupMembers : directGroupMembers)(db, resolved.value.group)).filter(
    ({ user }) => !search || user.username.toLowerCase().includes(search) || user.name.toLowerCase().includes(search),
  );
  return ok(pageOfList(members, page));
}

/** GET /groups/:id/members/:user_id, and with `inherited` /members/all/:user_id. */
export async function getGroupMember(ctx: ServiceContext, caller: Caller | null, groupRef: string, userId: number, inherited: boolean): Promise<Result<MemberWithUser>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  return findGroupMember(db, resolved.value.group, userId, inherited);
}

async function findGroupMember(db: Db, group: ResolvedGroup['group'], userId: number, inherited: boolean): Promise<Result<MemberWithUser>> {
  if (!isRecordId(userId)) return failure('member_not_found');
  const memberships = inherited
    ? bestMemberships(group, await findGroupMembershipsOfUser(db, userId, traversalIds(group)))
    : [await findMember(db, 'group', group.id, userId)].filter((m): m is MemberRow => m !== undefined);
  const [found] = await withUsers(db, memberships);
  return found ? ok(found) : failure('member_not_found');
}

export interface MemberInput {
  userId: number;
  accessLevel: number;
  expiresAt?: string | null | undefined;
}

function checkRoleChange(actor: Actor, resolved: ResolvedGroup, accessLevel: number): Result<null> {
  if (!canManageMembers(actor, 'group', resolved.level)) return failure('forbidden');
  if (!isAssignableAccessLevel(accessLevel)) return failure('access_level_invalid');
  if (accessLevel > effectiveLevel(actor, resolved.level)) return failure('role_above_own');
  return ok(null);
}

/**
 * A change of a group's members, in one transaction that holds the group's membership lock: the
 * group is resolved first (404 before anything else), then `change` runs.
 */
async function changeMembers<T>(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  change: (db: Db, resolved: ResolvedGroup, now: string) => Promise<Result<T>>,
): Promise<Result<T>> {
  const resolved = await resolveGroup(ctx.database.db, caller, groupRef);
  if (!resolved.ok) return resolved;
  return transaction(ctx.database, (db) => change(db, resolved.value, nowIso(ctx)));
}

/** POST /groups/:id/members (Owners). */
export const addGroupMember = (ctx: ServiceContext, caller: Caller, groupRef: string, input: MemberInput): Promise<Result<MemberWithUser>> =>
  changeMembers(ctx, caller, groupRef, (db, resolved, now) => addMember(db, caller, resolved, input, now));

/** PUT /groups/:id/members/:user_id (Owners); a top-level group always keeps a human Owner. */
export const changeGroupMember = (ctx: ServiceContext, caller: Caller, groupRef: string, input: MemberInput): Promise<Result<MemberWithUser>> =>
  changeMembers(ctx, caller, groupRef, (db, resolved, now) => changeMember(db, caller, resolved, input, now));

/** DELETE /groups/:id/members/:user_id: anyone may leave; removing others is for Owners. */
export const removeGroupMember = (ctx: ServiceContext, caller: Caller, groupRef: string, userId: number): Promise<Result<null>> =>
  changeMembers(ctx, caller, groupRef, (db, resolved) => removeMember(db, caller, resolved, userId));

async function addMember(db: Db, actor: Actor, resolved: ResolvedGroup, input: MemberInput, now: string): Promise<Result<MemberWithUser>> {
  const allowed = checkRoleChange(actor, resolved, input.accessLevel);
  if (!allowed.ok) return allowed;
  const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
  if (!user || user.user_type === 'ghost') return failure('user_not_found');
  // Seeds: bot users "cannot be added directly to any other groups or projects".
  if (user.user_type === 'project_bot') return failure('bot_cannot_join');
  if (await findMember(db, 'group', resolved.group.id, user.id)) return failure('member_exists');
  try {
    const member = await insertMember(db, {
      user_id: user.id,
      source_type: 'group',
      source_id: resolved.group.id,
      access_level: input.accessLevel,
      expires_at: input.expiresAt ?? null,
      created_by_id: actor.id,
      created_at: now,
      updated_at: now,
    });
    return ok({ member, user });
  } catch (error) {
    if (isUniqueViolation(error)) return failure('member_exists');
    throw error;
  }
}

async function changeMember(db: Db, actor: Actor, resolved: ResolvedGroup, input: MemberInput, now: string): Promise<Result<MemberWithUser>> {
  const allowed = checkRoleChange(actor, resolved, input.accessLevel);
  if (!allowed.ok) return allowed;
  await lockGroupMembership(db, resolved.group.id);
  const existing = isRecordId(input.userId) ? await findMember(db, 'group', resolved.group.id, input.userId) : undefined;
  const user = existing && (await findUserById(db, existing.user_id));
  if (!existing || !user) return failure('member_not_found');
  if (existing.access_level > effectiveLevel(actor, resolved.level)) return failure('forbidden');
  if (await isLastOwner(db, resolved, existing, input.accessLevel)) return failure('last_owner');
  const member = await updateMember(db, existing.id, {
    access_level: input.accessLevel,
    ...(input.expiresAt !== undefined ? { expires_at: input.expiresAt } : {}),
    updated_at: now,
  });
  return ok({ member, user });
}

async function removeMember(db: Db, actor: Actor, resolved: ResolvedGroup, userId: number): Promise<Result<null>> {
  await lockGroupMembership(db, resolved.group.id);
  const existing = isRecordId(userId) ? await findMember(db, 'group', resolved.group.id, userId) : undefined;
  // Anyone may leave; removing others is for those who manage members.
  if (userId !== actor.id && !canManageMembers(actor, 'group', resolved.level)) return failure('forbidden');
  if (!existing) return failure('member_not_found');
  if (await isLastOwner(db, resolved, existing, null)) return failure('last_owner');
  await deleteMember(db, existing.id);
  return ok(null);
}

/** A top-level group without a human Owner could never be managed again. */
async function isLastOwner(db: Db, resolved: ResolvedGroup, member: MemberRow, newLevel: number | null): Promise<boolean> {
  if (resolved.group.parent_id !== null || member.access_level !== AccessLevel.OWNER || newLevel === AccessLevel.OWNER) return false;
  const owners = (await directGroupMembers(db, resolved.group)).filter((m) => m.member.access_level === AccessLevel.OWNER && m.user.user_type === 'human');
  return owners.length <= 1 && owners.some((o) => o.member.id === member.id);
}
