import { sql } from 'kysely';
import type { ProjectRow } from '../schema.js';
import type { Db } from './common.js';

export const findProjectById = (db: Db, id: number): Promise<ProjectRow | undefined> =>
  db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();

export const findProjectInGroup = (db: Db, groupId: number, path: string): Promise<ProjectRow | undefined> =>
  db.selectFrom('projects').selectAll().where('group_id', '=', groupId).where(sql`lower(path)`, '=', path.toLowerCase()).executeTakeFirst();

export const insertProject = (db: Db, project: Omit<ProjectRow, 'id'>): Promise<ProjectRow> =>
  db.insertInto('projects').values(project).returningAll().executeTakeFirstOrThrow();

export const deleteProject = (db: Db, id: number) => db.deleteFrom('projects').where('id', '=', id).execute();

export const findProjectsInGroups = async (db: Db, groupIds: number[]): Promise<ProjectRow[]> =>
  groupIds.length === 0 ? [] : db.selectFrom('projects').selectAll().where('group_id', 'in', groupIds).orderBy('id').execute();

export const listAllProjects = (db: Db): Promise<ProjectRow[]> => db.selectFrom('projects').selectAll().orderBy('id').execute();
