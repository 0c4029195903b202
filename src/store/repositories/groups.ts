import { PostgresAdapter, sql } from 'kysely';
import { type GroupRow, type GroupUpdate, type MemberRow, type UserRow } from '../schema.js';
import { type Db } from './common.js';

export const findGroupById = (db: Db, id: number): Promise<GroupRow | undefined> =>
  db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();

export const findGroupByFullPath = (db: Db, fullPath: string): Promise<GroupRow | undefined> =>
  db.selectFrom('groups').selectAll().where(sql`lower(full_path)`, '=', fullPath.toLowerCase()).executeTakeFirst();

/** The ids in a group's traversal, root first, the group itself last. */
export function traversalIds(group: Pick<GroupRow, 'traversal'>): number[] {
  return group.traversal.split('/').filter(Boolean).map(Number);
}

export const rootGroupId = (group: Pick<GroupRow, 'traversal'>): number => traversalIds(group)[0]!;

export async function findGroupsByIds(db: Db, ids: number[]): Promise<GroupRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('groups').selectAll().where('id', 'in', ids).execute();
}

export interface NewGroup {
  name: string;
  path: string;
  parent: GroupRow | null;
  visibility: GroupRow['visibility'];
  description: string;
  now: string;
}

export async function insertGroup(db: Db, input: NewGroup): Promise<GroupRow> {
  const fullPath = input.parent ? `${input.parent.full_path}/${input.path}` : input.path;
  const inserted = await db
    .insertInto('groups')
    .values({
      name: input.name,
      path: input.path,
      full_path: fullPath,
      parent_id: input.parent?.id ?? null,
      traversal: 'pending',
      visibility: input.visibility,
      description: input.description,
      resource_access_token_creation_allowed: 1,
      resource_access_token_notify_inherited: null,
      lock_resource_access_token_notify_inherited: 0,
      created_at: input.now,
      updated_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const traversal = `${input.parent?.traversal ?? '/'}${inserted.id}/`;
  return db.updateTable('groups').set({ traversal }).where('id', '=', inserted.id).returningAll().executeTakeFirstOrThrow();
}

export const updateGroup = (db: Db, id: number, changes: GroupUpdate) =>
  db.updateTable('groups').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

/** Deleting a group removes its subgroups and projects (foreign keys cascade). */
export const deleteGroup = (db: Db, id: number) => db.deleteFrom('groups').where('id', '=', id).execute();

/** A group and every group below it. */
export const findSelfAndDescendants = (db: Db, group: GroupRow): Promise<GroupRow[]> =>
  db.selectFrom('groups').selectAll().where('traversal', 'like', `${group.traversal}%`).orderBy('id').execute();

export const findChildren = (db: Db, groupId: number): Promise<GroupRow[]> =>
  db.selectFrom('groups').selectAll().where('parent_id', '=', groupId).orderBy('id').execute();

export const listAllGroups = (db: Db): Promise<GroupRow[]> => db.selectFrom('groups').selectAll().orderBy('id').execute();

/**
 * Serialises changes to one group's members until the transaction ends: two Owners demoting each
 * other at the same moment must not both pass the last-Owner check. SQLite runs one transaction
 * at a time already; PostgreSQL takes the group's row lock.
 */
export async function lockGroupMembership(db: Db, groupId: number): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db.selectFrom('groups').select('id').where('id', '=', groupId).forUpdate().execute();
  }
}

export type SourceType = MemberRow['source_type'];

export const findMember = (db: Db, sourceType: SourceType, sourceId: number, userId: number): Promise<MemberRow | undefined> =>
  db
    .selectFrom('members')
    .selectAll()
    .where('source_type', '=', sourceType)
    .where('source_id', '=', sourceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();

/** The user's memberships of any of these groups (a group's traversal gives its ancestors). */
export async function findGroupMembershipsOfUser(db: Db, userId: number, groupIds: number[]): Promise<MemberRow[]> {
  if (groupIds.length === 0) return [];
  return db
    .selectFrom('members')
    .selectAll()
    .where('user_id', '=', userId)
    .where('source_type', '=', 'group')
    .where('source_id', 'in', groupIds)
    .execute();
}

export const findMembershipsOfUser = (db: Db, userId: number): Promise<MemberRow[]> =>
  db.selectFrom('members').selectAll().where('user_id', '=', userId).execute();

export async function findMembersOfSources(db: Db, sourceType: SourceType, sourceIds: number[]): Promise<MemberRow[]> {
  if (sourceIds.length === 0) return [];
  return db
    .selectFrom('members')
    .selectAll()
    .where('source_type', '=', sourceType)
    .where('source_id', 'in', sourceIds)
    .orderBy('id')
    .execute();
}

/** A membership of a user of `memberType`: whether the member is a bot is written with it (migration 0015). */
export const insertMember = (db: Db, member: Omit<MemberRow, 'id' | 'bot'>, memberType: UserRow['user_type']): Promise<MemberRow> =>
  db
    .insertInto('members')
    .values({ ...member, bot: memberType === 'project_bot' ? 1 : 0 })
    .returningAll()
    .executeTakeFirstOrThrow();

export const updateMember = (db: Db, id: number, changes: Partial<Omit<MemberRow, 'id' | 'bot'>>): Promise<MemberRow> =>
  db.updateTable('members').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export const deleteMember = (db: Db, id: number) => db.deleteFrom('members').where('id', '=', id).execute();

/** Members of a source are removed with it (sources live in two tables, so no foreign key). */
export const deleteMembersOfSources = async (db: Db, sourceType: SourceType, sourceIds: number[]) => {
  if (sourceIds.length > 0) await db.deleteFrom('members').where('source_type', '=', sourceType).where('source_id', 'in', sourceIds).execute();
};
