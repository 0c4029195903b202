import { AccessLevel, isAssignableAccessLevel } from '../domain/access-levels.js';
import { failure, type ErrorCode } from '../domain/errors.js';
import { canManageMembers, canRemoveMember, effectiveLevel, isRemovableMembership, type Actor } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import {
  deleteMember,
  findGroupMembershipsOfUser,
  findMember,
  findMembersOfSources,
  insertMember,
  lockGroupMembership,
  traversalIds,
  updateMember,
} from '../store/repositories/groups.js';
import { findUserById, findUsersByIds } from '../store/repositories/users.js';
import type { MemberRow, UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveGroup } from './groups.js';
import { pageOfList, type Listed, type Page } from './lists.js';
import { resolveProject } from './projects.js';

/**
 * The members API of groups and projects (GitLab's doc/api/members.md serves both from one file):
 * one set of use cases, each taking the kind of source. The kinds differ only in their policy
 * (below) and in where their inherited members come from.
 */
export type MemberSourceKind = 'group' | 'project';

export interface MemberWithUser {
  member: MemberRow;
  user: UserRow;
}

interface MemberPolicy {
  /** Adding a bot of an access token (seeds: "cannot be added directly to any other groups or projects"; §10 for projects). */
  botCannotJoin: ErrorCode;
  /** A top-level group always keeps a human Owner; a project has no such rule. */
  keepsOwner: boolean;
}

const POLICIES: Record<MemberSourceKind, MemberPolicy> = {
  group: { botCannotJoin: 'bot_cannot_join', keepsOwner: true },
  project: { botCannotJoin: 'project_bot_cannot_join', keepsOwner: false },
};

/** The group or project whose members are read or changed, as the caller sees it. */
interface MemberSource {
  kind: MemberSourceKind;
  id: number;
  /** The caller's effective role on it: the highest of its own membership and those of the groups above it. */
  level: number;
  /** The groups whose members it inherits: a group's ancestors; a project's group and that group's ancestors. */
  ancestorGroupIds: number[];
  /** A group without a parent (the last-Owner rule). */
  topLevel: boolean;
}

/** `:id` of either kind; one the caller may not see is GitLab's 404 for that kind. */
async function resolveSource(db: Db, caller: Actor | null, kind: MemberSourceKind, ref: string): Promise<Result<MemberSource>> {
  if (kind === 'group') {
    const resolved = await resolveGroup(db, caller, ref);
    if (!resolved.ok) return resolved;
    const { group, level } = resolved.value;
    return ok({ kind, id: group.id, level, ancestorGroupIds: traversalIds(group).filter((id) => id !== group.id), topLevel: group.parent_id === null });
  }
  const resolved = await resolveProject(db, caller, ref);
  if (!resolved.ok) return resolved;
  const { project, group, level } = resolved.value;
  return ok({ kind, id: project.id, level, ancestorGroupIds: traversalIds(group), topLevel: false });
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

const isOwnMembership = (source: MemberSource, m: MemberRow) => m.source_type === source.kind && m.source_id === source.id;

/** Of one user's memberships of a source and the groups above it, the one members/all shows: the highest role, the source's own on a tie. */
function bestMemberships(source: MemberSource, members: MemberRow[]): MemberRow[] {
  const best = new Map<number, MemberRow>();
  for (const m of members) {
    const current = best.get(m.user_id);
    if (!current || m.access_level > current.access_level || (m.access_level === current.access_level && isOwnMembership(source, m))) best.set(m.user_id, m);
  }
  return [...best.values()].sort((a, b) => a.user_id - b.user_id);
}

const directMembers = async (db: Db, source: MemberSource): Promise<MemberWithUser[]> => withUsers(db, await findMembersOfSources(db, source.kind, [source.id]));

/** Direct and inherited members, each once with their highest role (GitLab's members/all). */
async function allMembers(db: Db, source: MemberSource): Promise<MemberWithUser[]> {
  const [own, inherited] = await Promise.all([findMembersOfSources(db, source.kind, [source.id]), findMembersOfSources(db, 'group', source.ancestorGroupIds)]);
  return withUsers(db, bestMemberships(source, [...own, ...inherited]));
}

/**
 * GET /groups/:id/members, /projects/:id/members and, with `inherited`, …/members/all: the
 * members of a source the caller can see, filtered by a search on username and name.
 */
export async function listMembers(
  ctx: ServiceContext,
  caller: Caller | null,
  kind: MemberSourceKind,
  ref: string,
  options: { inherited: boolean; search?: string | undefined },
  page: Page,
): Promise<Result<Listed<MemberWithUser>>> {
  const db = ctx.database.db;
  const source = await resolveSource(db, caller, kind, ref);
  if (!source.ok) return source;
  const search = options.search?.toLowerCase();
  const members = (await (options.inherited ? allMembers : directMembers)(db, source.value)).filter(
    ({ user }) => !search || user.username.toLowerCase().includes(search) || user.name.toLowerCase().includes(search),
  );
  return ok(pageOfList(members, page));
}

/** GET …/members/:user_id, and with `inherited` …/members/all/:user_id. */
export async function getMember(ctx: ServiceContext, caller: Caller | null, kind: MemberSourceKind, ref: string, userId: number, inherited: boolean): Promise<Result<MemberWithUser>> {
  const db = ctx.database.db;
  const source = await resolveSource(db, caller, kind, ref);
  if (!source.ok) return source;
  if (!isRecordId(userId)) return failure('member_not_found');
  const [own, ancestors] = await Promise.all([
    findMember(db, source.value.kind, source.value.id, userId),
    inherited ? findGroupMembershipsOfUser(db, userId, source.value.ancestorGroupIds) : [],
  ]);
  const memberships = bestMemberships(source.value, [...(own ? [own] : []), ...ancestors]);
  const [found] = await withUsers(db, memberships);
  return found ? ok(found) : failure('member_not_found');
}

export interface MemberInput {
  userId: number;
  accessLevel: number;
  expiresAt?: string | null | undefined;
}

/** Group members are managed by Owners, project members by Maintainers; nobody gives a role above their own. */
function checkRoleChange(actor: Actor, source: MemberSource, accessLevel: number): Result<null> {
  if (!canManageMembers(actor, source.kind, source.level)) return failure('forbidden');
  if (!isAssignableAccessLevel(accessLevel)) return failure('access_level_invalid');
  if (accessLevel > effectiveLevel(actor, source.level)) return failure('role_above_own');
  return ok(null);
}

/**
 * A change of a source's members, in one transaction: the source is resolved first (404 before
 * anything else), then `change` runs; for a group, under its membership lock (the last-Owner rule).
 */
async function changeMembers<T>(
  ctx: ServiceContext,
  caller: Caller,
  kind: MemberSourceKind,
  ref: string,
  change: (db: Db, source: MemberSource, now: string) => Promise<Result<T>>,
): Promise<Result<T>> {
  const source = await resolveSource(ctx.database.db, caller, kind, ref);
  if (!source.ok) return source;
  return transaction(ctx.database, async (db) => {
    if (POLICIES[kind].keepsOwner) await lockGroupMembership(db, source.value.id);
    return change(db, source.value, nowIso(ctx));
  });
}

/** POST …/members (group Owners, project Maintainers). */
export const addMember = (ctx: ServiceContext, caller: Caller, kind: MemberSourceKind, ref: string, input: MemberInput): Promise<Result<MemberWithUser>> =>
  changeMembers(ctx, caller, kind, ref, async (db, source, now) => {
    const allowed = checkRoleChange(caller, source, input.accessLevel);
    if (!allowed.ok) return allowed;
    const user = isRecordId(input.userId) ? await findUserById(db, input.userId) : undefined;
    if (!user || user.user_type === 'ghost') return failure('user_not_found');
    if (user.user_type === 'project_bot') return failure(POLICIES[kind].botCannotJoin);
    if (await findMember(db, kind, source.id, user.id)) return failure('member_exists');
    try {
      const member = await insertMember(db, {
        user_id: user.id,
        source_type: kind,
        source_id: source.id,
        access_level: input.accessLevel,
        expires_at: input.expiresAt ?? null,
        created_by_id: caller.id,
        created_at: now,
        updated_at: now,
      }, user.user_type);
      return ok({ member, user });
    } catch (error) {
      if (isUniqueViolation(error)) return failure('member_exists');
      throw error;
    }
  });

/** PUT …/members/:user_id; a top-level group always keeps a human Owner. */
export const changeMember = (ctx: ServiceContext, caller: Caller, kind: MemberSourceKind, ref: string, input: MemberInput): Promise<Result<MemberWithUser>> =>
  changeMembers(ctx, caller, kind, ref, async (db, source, now) => {
    const allowed = checkRoleChange(caller, source, input.accessLevel);
    if (!allowed.ok) return allowed;
    const existing = isRecordId(input.userId) ? await findMember(db, kind, source.id, input.userId) : undefined;
    const user = existing && (await findUserById(db, existing.user_id));
    if (!existing || !user) return failure('member_not_found');
    if (existing.access_level > effectiveLevel(caller, source.level)) return failure('forbidden');
    if (await isLastOwner(db, source, existing, input.accessLevel)) return failure('last_owner');
    const member = await updateMember(db, existing.id, {
      access_level: input.accessLevel,
      ...(input.expiresAt !== undefined ? { expires_at: input.expiresAt } : {}),
      updated_at: now,
    });
    return ok({ member, user });
  });

/** DELETE …/members/:user_id: anyone may leave; removing others is for those who manage members; a bot's membership stays (§10). */
export const removeMember = (ctx: ServiceContext, caller: Caller, kind: MemberSourceKind, ref: string, userId: number): Promise<Result<null>> =>
  changeMembers(ctx, caller, kind, ref, async (db, source) => {
    const existing = isRecordId(userId) ? await findMember(db, kind, source.id, userId) : undefined;
    if (!canRemoveMember(caller, kind, source.level, userId)) return failure('forbidden');
    if (!existing) return failure('member_not_found');
    const user = await findUserById(db, existing.user_id);
    if (user && !isRemovableMembership(user.user_type)) return failure('forbidden');
    if (await isLastOwner(db, source, existing, null)) return failure('last_owner');
    await deleteMember(db, existing.id);
    return ok(null);
  });

/** A top-level group without a human Owner could never be managed again. */
async function isLastOwner(db: Db, source: MemberSource, member: MemberRow, newLevel: number | null): Promise<boolean> {
  if (!POLICIES[source.kind].keepsOwner || !source.topLevel || member.access_level !== AccessLevel.OWNER || newLevel === AccessLevel.OWNER) return false;
  const owners = (await directMembers(db, source)).filter((m) => m.member.access_level === AccessLevel.OWNER && m.user.user_type === 'human');
  return owners.length <= 1 && owners.some((o) => o.member.id === member.id);
}
