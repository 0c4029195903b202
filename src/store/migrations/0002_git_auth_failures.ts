import type { Kysely } from 'kysely';
import { idColumn, timestamps } from './columns.js';

/**
 * Failed Git authentications per IP and the bans they caused. Kept in the database, not in a
 * process's memory, so a ban holds across restarts and across instances sharing PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db, db.schema.createTable('git_auth_failures'))
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('git_auth_failures_ip_failed_at').on('git_auth_failures').columns(['ip', 'failed_at']).execute();
  await db.schema.createIndex('git_auth_failures_failed_at').on('git_auth_failures').column('failed_at').execute();

  await db.schema
    .createTable('git_auth_bans')
    .addColumn('ip', 'text', (c) => c.primaryKey())
    .addColumn('banned_until', 'text', (c) => c.notNull())
    .$call(timestamps)
    .execute();
}
