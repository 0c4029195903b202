import { AccessLevel, isAssignableAccessLevel } from '../domain/access-levels.js';
import { canManageMembers, effectiveLevel, type Actor } from '../domain/permissions.js';
import { badRequest, fail, forbidden, notFound, ok, type Result } from '../domain/result.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { lockGroupMembership, traversalIds, deleteMember, findGroupMembershipsOfUser, findMember, findMembersOfSources, insertMember, updateMember } from '../store/repositories/groups.js';
import { findUserById } from '../store/repositories/users.js';
import type { MemberRow, UserRow } from '../store/schema.js';
import type { ResolvedGroup } from './groups.js';

const MEMBER_EXISTS = 'Member already exists';

export interface MemberWithUser {
  member: MemberRow;
  user: UserRow;
}

async function withUsers(db: Db, members: MemberRow[]): Promise<MemberWithUser[]> {
  if (members.length === 0) return [];
  const users = await db.selectFrom('users').selectAll().where('id', 'in', [...new Set(members.map((m) => m.user_id))]).execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  return members.flatMap((member) => {
    const user = byId.get(member.user_id);
    return user ? [{ member, user }] : [];
  });
}

export async function directGroupMembers(db: Db, group: ResolvedGroup['group']): Promise<MemberWithUser[]> {
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
export async function allGroupMembers(db: Db, group: ResolvedGroup['group']): Promise<MemberWithUser[]> {
  return withUsers(db, bestMemberships(group, await findMembersOfSources(db, 'group', traversalIds(group))));
}

/** GET /groups/:id/members/:user_id, and with `inherited` /members/all/:user_id. */
export async function findGroupMember(db: Db, group: ResolvedGroup['group'], userId: number, inherited: boolean): Promise<Result<MemberWithUser>> {
  if (!isRecordId(userId)) return notFound('Member');
  const memberships = inherited
    ? bestMemberships(group, await findGroupMembershipsOfUser(db, userId, traversalIds(group)))
    : [await findMember(db, 'group', group.id, userId)].filter((m): m is MemberRow => m !== undefined);
  const [found] = await withUsers(db, memberships);
  return found ? ok(found) : notFound('Member');
}

export interface MemberInput {
  userId: number;
  accessLevel: number;
  expiresAt?: string | null | undefined;
}

function checkRoleChange(actor: Actor, resolved: ResolvedGroup, accessLevel: number): Result<null> {
  if (!canManageMembers(actor, 'group', resolved.level)) return forbidden();
  if (!isAssignableAccessLevel(accessLevel)) return badRequest('access_level does not have a valid value');
  if (accessLevel > effectiveLevel(actor, resolved.level)) return forbidden('You cannot assign a role higher than your own');
  return ok(null);
}

export async function addGroupMember(db: Db, actor: Actor, resolved: ResolvedGroup, input: MemberInput, now: string): Promise<Result<MemberWithUser>> {
  const allowed = checkRoleChange(actor, resolved, input.accessLevel);
  if (!allowed.ok) return allowed;
  const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
  if (!user || user.user_type === 'ghost') return notFound('User');
  // Seeds: bot users "cannot be added directly to any other groups or projects".
  if (user.user_type === 'project_bot') return badRequest('Bot users of access tokens cannot be added to other groups or projects');
  if (await findMember(db, 'group', resolved.group.id, user.id)) return fail('conflict', MEMBER_EXISTS);
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
    if (isUniqueViolation(error)) return fail('conflict', MEMBER_EXISTS);
    throw error;
  }
}

export async function changeGroupMember(db: Db, actor: Actor, resolved: ResolvedGroup, input: MemberInput, now: string): Promise<Result<MemberWithUser>> {
  const allowed = checkRoleChange(actor, resolved, input.accessLevel);
  if (!allowed.ok) return allowed;
  await lockGroupMembership(db, resolved.group.id);
  const existing = isRecordId(input.userId) ? await findMember(db, 'group', resolved.group.id, input.userId) : undefined;
  const user = existing && (await findUserById(db, existing.user_id));
  if (!existing || !user) return notFound('Member');
  if (existing.access_level > effectiveLevel(actor, resolved.level)) return forbidden();
  if (await isLastOwner(db, resolved, existing, input.accessLevel)) return forbidden('A group must keep at least one Owner');
  const member = await updateMember(db, existing.id, {
    access_level: input.accessLevel,
    ...(input.expiresAt !== undefined ? { expires_at: input.expiresAt } : {}),
    updated_at: now,
  });
  return ok({ member, user });
}

export async function removeGroupMember(db: Db, actor: Actor, resolved: ResolvedGroup, userId: number): Promise<Result<null>> {
  await lockGroupMembership(db, resolved.group.id);
  const existing = isRecordId(userId) ? await findMember(db, 'group', resolved.group.id, userId) : undefined;
  // Anyone may leave; removing others is for those who manage members.
  if (userId !== actor.id && !canManageMembers(actor, 'group', resolved.level)) return forbidden();
  if (!existing) return notFound('Member');
  if (await isLastOwner(db, resolved, existing, null)) return forbidden('A group must keep at least one Owner');
  await deleteMember(db, existing.id);
  return ok(null);
}

/** A top-level group without a human Owner could never be managed again. */
async function isLastOwner(db: Db, resolved: ResolvedGroup, member: MemberRow, newLevel: number | null): Promise<boolean> {
  if (resolved.group.parent_id !== null || member.access_level !== AccessLevel.OWNER || newLevel === AccessLevel.OWNER) return false;
  const owners = (await directGroupMembers(db, resolved.group)).filter((m) => m.member.access_level === AccessLevel.OWNER && m.user.user_type === 'human');
  return owners.length <= 1 && owners.some((o) => o.member.id === member.id);
}
