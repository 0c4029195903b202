import { canCreateIssue, type Actor } from '../domain/permissions.js';
import { badRequest, forbidden, ok, type Result } from '../domain/result.js';
import type { Db } from '../store/repositories/common.js';
import { insertIssue } from '../store/repositories/projects.js';
import type { IssueRow } from '../store/schema.js';
import type { ResolvedProject } from './projects.js';

export interface NewIssueInput {
  title: string;
  description?: string | undefined;
}

/** Issues are the contributions a bot makes (T14): authored by the caller. */
export async function openIssue(db: Db, actor: Actor, resolved: ResolvedProject, input: NewIssueInput, now: string): Promise<Result<IssueRow>> {
  if (!canCreateIssue(actor, resolved.project.visibility, resolved.level)) return forbidden();
  if (input.title.trim() === '') return badRequest("Title can't be blank");
  if (input.title.length > 255) return badRequest('Title is too long (maximum is 255 characters)');
  // Touching the project records the activity (its last_activity_at) and, on PostgreSQL, locks its
  // row until commit: concurrent openings then number their issues one after another, not clash.
  await db.updateTable('projects').set({ updated_at: now }).where('id', '=', resolved.project.id).execute();
  return ok(
    await insertIssue(db, {
      project_id: resolved.project.id,
      title: input.title,
      description: input.description ?? null,
      author_id: actor.id,
      state: 'opened',
      created_at: now,
      updated_at: now,
    }),
  );
}
