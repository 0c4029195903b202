import type { Kysely } from 'kysely';

/**
 * Brute-force protections on every entry point (issue 14). The ban that Git and the container
 * registry share is no longer Git's alone: its settings move from `git_auth_ban_*` to
 * `failed_auth_ban_*` (the stored values with them) and its tables are renamed to what they hold.
 * `rate_limit_counters` holds the per-minute counts the API's failed-authentication throttle and
 * the token-creation limit share between instances: one row per counter, subject and minute, so a
 * count is a single upsert (the primary key is also the order the pruning deletes in).
 */
const MOVED_SETTINGS = [
  ['git_auth_ban_enabled', 'failed_auth_ban_enabled'],
  ['git_auth_ban_max_attempts', 'failed_auth_ban_max_attempts'],
  ['git_auth_ban_find_time_seconds', 'failed_auth_ban_find_time_seconds'],
  ['git_auth_ban_duration_seconds', 'failed_auth_ban_duration_seconds'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [from, to] of MOVED_SETTINGS) {
    // The new key cannot be stored yet (unknown keys are refused); deleting it keeps the move safe anyway.
    const stored = await db.selectFrom('settings').select('key').where('key', '=', from).executeTakeFirst();
    if (!stored) continue;
    await db.deleteFrom('settings').where('key', '=', to).execute();
    await db.updateTable('settings').set({ key: to }).where('key', '=', from).execute();
  }

  await db.schema.alterTable('git_auth_failures').renameTo('failed_authentications').execute();
  await db.schema.alterTable('git_auth_bans').renameTo('ip_bans').execute();
  // Index names outlive a table's rename: recreated under the new name, on both dialects alike.
  await db.schema.dropIndex('git_auth_failures_ip_failed_at').execute();
  await db.schema.dropIndex('git_auth_failures_failed_at').execute();
  await db.schema.createIndex('failed_authentications_ip_failed_at').on('failed_authentications').columns(['ip', 'failed_at']).execute();
  await db.schema.createIndex('failed_authentications_failed_at').on('failed_authentications').column('failed_at').execute();

  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('counter', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_counters_pkey', ['counter', 'window_start', 'subject'])
    .execute();
}
