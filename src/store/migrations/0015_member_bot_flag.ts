import { sql, type Kysely } from 'kysely';
import { isPostgres } from './columns.js';

/**
 * A membership says whether its member is a bot (decision 0007). A resource's bots are the bot
 * users among its direct members (GITLAB-BEHAVIOR.md §9 #13), and every list and count of its
 * tokens asked each member's user for its type: a count of 10,001 tokens walked three indexes
 * (members, users, tokens). With the flag on the membership it walks two: on a group of 100,000
 * tokens, PostgreSQL 5.0–7.5 → 3.0–4.0 ms (docs/performance.md).
 *
 * The flag copies what cannot change: a user's type is fixed when it is made, and a bot joins
 * only the resource its token was made for (services/members.ts refuses bots).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('members')
    .addColumn('bot', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .updateTable('members')
    .set({ bot: 1 })
    .where('user_id', 'in', db.selectFrom('users').select('id').where('user_type', '=', 'project_bot'))
    .execute();
  // Equal on the first three columns, a resource's bots come in user order: the order in which
  // their tokens are read from pat_user_state (migration 0014).
  await db.schema.createIndex('members_source_bot_user').on('members').columns(['source_type', 'source_id', 'bot', 'user_id']).execute();
  // Until PostgreSQL has seen the new column, it takes `bot = 1` for rare, and may walk a group's
  // bots one by one into the tokens (seconds for 12,000 of them, docs/performance.md); autovacuum
  // would look within a minute or so. SQLite keeps no statistics unless asked, and plans by form.
  if (isPostgres(db)) await sql`analyze members`.execute(db);
}
