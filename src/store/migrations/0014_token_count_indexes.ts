import { sql, type Kysely } from 'kysely';
import { isPostgres } from './columns.js';

/**
 * A resource's token count read from indexes (issue 11 P2). The count walks the resource's
 * members, their users and their tokens (store/repositories/tokens.ts#countedRows), and read
 * every user and token it passed from its table, for the user's type and the token's state.
 * Measured on 10,001 tokens of a group of 100,000 (docs/performance.md):
 *
 * - Tokens by user, with what a list filters on beside the name, replace `pat_user` (whose one
 *   column they begin with): PostgreSQL 7.0 → 5.2 ms, SQLite 3.7 → 2.8 ms. SQLite has no INCLUDE:
 *   the columns are keys there.
 * - Users by type and id, PostgreSQL only: its merge join then reads the bots in id order from
 *   the index, 5.2 → 4.0 ms. SQLite finds each member's user by its integer key, which is faster
 *   than any index (4.8 ms with this one, which it would choose).
 */
const TOKEN_STATE_COLUMNS = ['impersonation', 'revoked', 'rotation_grace_ends_at', 'expires_at'];

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create index pat_user_state on personal_access_tokens (user_id) include (${sql.join(TOKEN_STATE_COLUMNS.map((c) => sql.ref(c)))})`.execute(db);
    await db.schema.createIndex('users_type_id').on('users').columns(['user_type', 'id']).execute();
  } else {
    await db.schema.createIndex('pat_user_state').on('personal_access_tokens').columns(['user_id', ...TOKEN_STATE_COLUMNS]).execute();
  }
  await db.schema.dropIndex('pat_user').execute();
}
