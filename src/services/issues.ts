import { failure, invalidFields } from '../domain/errors.js';
import { canCreateIssue } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { transaction } from '../store/database.js';
import { isRecordId, type Db } from '../store/repositories/common.js';
import { findIssue, insertIssue, listIssues as listProjectIssues, touchProject } from '../store/repositories/projects.js';
import { findUserById, findUsersByIds } from '../store/repositories/users.js';
import type { IssueRow, UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import type { Listed, Page } from './lists.js';
import { resolveProject, type ResolvedProject } from './projects.js';

export interface NewIssueInput {
  title: string;
  description?: string | undefined;
}

export interface IssueWithAuthor {
  issue: IssueRow;
  author: UserRow;
}

/** An issue as the API shows it: with its project and its author. */
export interface ProjectIssue extends IssueWithAuthor {
  project: ResolvedProject;
}

/** A page of a project's issues, with the project. */
export interface ProjectIssues extends Listed<IssueWithAuthor> {
  project: ResolvedProject;
}

async function withAuthors(db: Db, issues: IssueRow[]): Promise<IssueWithAuthor[]> {
  const authors = await findUsersByIds(db, issues.map((i) => i.author_id));
  const byId = new Map(authors.map((a) => [a.id, a]));
  return issues.map((issue) => ({ issue, author: byId.get(issue.author_id)! }));
}

/** GET /projects/:id/issues, newest first. */
export async function listIssues(ctx: ServiceContext, caller: Caller | null, projectRef: string, page: Page): Promise<Result<ProjectIssues>> {
  const db = ctx.database.db;
  const project = await resolveProject(db, caller, projectRef);
  if (!project.ok) return project;
  const { rows, total } = await listProjectIssues(db, project.value.project.id, page);
  return ok({ project: project.value, items: await withAuthors(db, rows), total });
}

/** GET /projects/:id/issues/:iid. */
export async function getIssue(ctx: ServiceContext, caller: Caller | null, projectRef: string, iid: number): Promise<Result<ProjectIssue>> {
  const db = ctx.database.db;
  const project = await resolveProject(db, caller, projectRef);
  if (!project.ok) return project;
  const issue = isRecordId(iid) ? await findIssue(db, project.value.project.id, iid) : undefined;
  const author = issue && (await findUserById(db, issue.author_id));
  if (!issue || !author) return failure('issue_not_found');
  return ok({ project: project.value, issue, author });
}

/** POST /projects/:id/issues. Issues are the contributions a bot makes (T14): authored by the caller. */
export async function openIssue(ctx: ServiceContext, caller: Caller, projectRef: string, input: NewIssueInput): Promise<Result<ProjectIssue>> {
  const resolved = await resolveProject(ctx.database.db, caller, projectRef);
  if (!resolved.ok) return resolved;
  const { project, level } = resolved.value;
  return transaction(ctx.database, async (db) => {
    if (!canCreateIssue(caller, project.visibility, level)) return failure('forbidden');
    if (input.title.trim() === '') return invalidFields('invalid_attributes', [{ field: 'title', message: "Title can't be blank" }]);
    if (input.title.length > 255) return invalidFields('invalid_attributes', [{ field: 'title', message: 'Title is too long (maximum is 255 characters)' }]);
    const now = nowIso(ctx);
    // Touching the project records the activity (its last_activity_at) and, on PostgreSQL, locks its
    // row until commit: concurrent openings then number their issues one after another, not clash.
    await touchProject(db, project.id, now);
    const issue = await insertIssue(db, {
      project_id: project.id,
      title: input.title,
      description: input.description ?? null,
      author_id: caller.id,
      state: 'opened',
      created_at: now,
      updated_at: now,
    });
    return ok({ project: resolved.value, issue, author: caller.user });
  });
}
