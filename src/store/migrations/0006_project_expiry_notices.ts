import type { Kysely } from 'kysely';

/**
 * Expiry notices for project access tokens (issue 10, decision 0004, §10 "Expiry notices"): a staged
 * notice about a project token keeps its project's group in `group_id` and the project here; a group
 * token's notice leaves it empty. Nullable, no default: `ADD COLUMN` on both dialects.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('expiry_notices').addColumn('project_id', 'integer').execute();
}
