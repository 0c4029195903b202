import type { IssueRow } from '../schema.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';

export async function insertIssue(db: Db, issue: Omit<IssueRow, 'id' | 'iid'>): Promise<IssueRow> {
  const last = await db
    .selectFrom('issues')
    .select((eb) => eb.fn.max('iid').as('iid'))
    .where('project_id', '=', issue.project_id)
    .executeTakeFirst();
  return db
    .insertInto('issues')
    .values({ ...issue, iid: Number(last?.iid ?? 0) + 1 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findIssue = (db: Db, projectId: number, iid: number) =>
  db.selectFrom('issues').selectAll().where('project_id', '=', projectId).where('iid', '=', iid).executeTakeFirst();

export async function listIssues(db: Db, projectId: number, page: Page): Promise<{ rows: IssueRow[]; total: number }> {
  const base = db.selectFrom('issues').where('project_id', '=', projectId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

/** Contributions of a removed user move to the ghost user, never deleted (seeds: bot users). */
export const reassignIssuesAuthor = (db: Db, fromUserId: number, toUserId: number) =>
  db.updateTable('issues').set({ author_id: toUserId }).where('author_id', '=', fromUserId).execute();
