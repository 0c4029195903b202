import type { Kysely } from 'kysely';

/**
 * Project access tokens (issue 10, decision 0004): a project bot records its project here, and
 * leaves `bot_namespace_id` (its group, for group bots) empty, so no group-token query ever
 * mistakes it for a group bot. Nullable and without a default: `ADD COLUMN` on both dialects.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('bot_project_id', 'integer').execute();
  await db.schema.createIndex('users_bot_project').on('users').column('bot_project_id').execute();
}
