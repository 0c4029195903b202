import type { MemberRow } from '../schema.js';
import type { Db } from './common.js';

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

export const insertMember = (db: Db, member: Omit<MemberRow, 'id'>): Promise<MemberRow> =>
  db.insertInto('members').values(member).returningAll().executeTakeFirstOrThrow();

export const updateMember = (db: Db, id: number, changes: Partial<Omit<MemberRow, 'id'>>): Promise<MemberRow> =>
  db.updateTable('members').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export const deleteMember = (db: Db, id: number) => db.deleteFrom('members').where('id', '=', id).execute();

/** Members of a source are removed with it (sources live in two tables, so no foreign key). */
export const deleteMembersOfSources = async (db: Db, sourceType: SourceType, sourceIds: number[]) => {
  if (sourceIds.length > 0) await db.deleteFrom('members').where('source_type', '=', sourceType).where('source_id', 'in', sourceIds).execute();
};
