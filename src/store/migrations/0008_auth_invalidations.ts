import { sql, type Kysely } from 'kysely';
import { idColumn, isPostgres } from './columns.js';

/**
 * The change feed behind the authentication caches (issue 11, docs/architecture.md "Authentication
 * cache"): every change to a token or a user that can alter what a token may do is announced by a
 * trigger, so no code path (the API, the console, a job, another instance) can forget it.
 * PostgreSQL: `pg_notify` on the channel `tollgate_auth:<schema>`, delivered at commit to every
 * listening instance. SQLite: a row here, read by every process when the file's `data_version`
 * moves; the trigger keeps the last 10,000 rows (a process further behind empties its cache).
 * `last_used_*` writes are not changes: they fire nothing.
 */
const TOKEN_COLUMNS = 'revoked, revoked_at, expires_at, scopes, name, description, token_digest, user_id, impersonation';

export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db, db.schema.createTable('auth_invalidations'))
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  if (isPostgres(db)) {
    await sql`
      create function tollgate_auth_invalidation() returns trigger language plpgsql as $$
      begin
        -- The trigger's argument names the column that holds the user's id.
        perform pg_notify('tollgate_auth:' || current_schema(), to_jsonb(old) ->> tg_argv[0]);
        return null;
      end $$`.execute(db);
    await sql.raw(`create trigger auth_invalidation_token_update after update of ${TOKEN_COLUMNS} on personal_access_tokens for each row execute function tollgate_auth_invalidation('user_id')`).execute(db);
    await sql`create trigger auth_invalidation_token_delete after delete on personal_access_tokens for each row execute function tollgate_auth_invalidation('user_id')`.execute(db);
    await sql`create trigger auth_invalidation_user_update after update on users for each row execute function tollgate_auth_invalidation('id')`.execute(db);
    await sql`create trigger auth_invalidation_user_delete after delete on users for each row execute function tollgate_auth_invalidation('id')`.execute(db);
    return;
  }
  const record = (userId: string) =>
    `insert into auth_invalidations (user_id, created_at) values (${userId}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));` +
    ' delete from auth_invalidations where id <= (select max(id) from auth_invalidations) - 10000;';
  await sql.raw(`create trigger auth_invalidation_token_update after update of ${TOKEN_COLUMNS} on personal_access_tokens begin ${record('old.user_id')} end`).execute(db);
  await sql.raw(`create trigger auth_invalidation_token_delete after delete on personal_access_tokens begin ${record('old.user_id')} end`).execute(db);
  await sql.raw(`create trigger auth_invalidation_user_update after update on users begin ${record('old.id')} end`).execute(db);
  await sql.raw(`create trigger auth_invalidation_user_delete after delete on users begin ${record('old.id')} end`).execute(db);
}
