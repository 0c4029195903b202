import type { Kysely } from 'kysely';

/**
 * Project webhooks (issue 10, §10 "Expiry notices"): a project hook keeps its project's group in
 * `group_id` (as a project's expiry notice does, migration 0006) and its project here; a group
 * hook leaves it empty. Nullable, no default: `ADD COLUMN` with a foreign key works on both
 * dialects, so a project's hooks go with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('web_hooks').addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('cascade')).execute();
  await db.schema.createIndex('web_hooks_project').on('web_hooks').column('project_id').execute();
}
