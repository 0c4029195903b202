import { sql, type Kysely } from 'kysely';
import { isPostgres } from './columns.js';

/**
 * Tollgate's own token features (issue 13): `allowed_cidrs`, the networks a token works from (a
 * JSON array; `[]` everywhere), and `rotation_grace_ends_at`, the end of a rotated token's overlap
 * window (null when it has none). The job that revokes tokens whose window ended finds them by
 * the index.
 *
 * Both columns change what a token may do, so migration 0008's token trigger, which names the
 * columns it watches, is recreated to watch them too (the authentication caches must drop an
 * entry whose allowlist or window changed).
 */
const TOKEN_COLUMNS = 'revoked, revoked_at, expires_at, scopes, name, description, token_digest, user_id, impersonation, allowed_cidrs, rotation_grace_ends_at';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('personal_access_tokens').addColumn('allowed_cidrs', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('personal_access_tokens').addColumn('rotation_grace_ends_at', 'text').execute();
  await db.schema.createIndex('pat_rotation_grace_ends_at').on('personal_access_tokens').column('rotation_grace_ends_at').execute();

  if (isPostgres(db)) {
    await sql`drop trigger auth_invalidation_token_update on personal_access_tokens`.execute(db);
    await sql.raw(`create trigger auth_invalidation_token_update after update of ${TOKEN_COLUMNS} on personal_access_tokens for each row execute function tollgate_auth_invalidation('user_id')`).execute(db);
    return;
  }
  await sql`drop trigger auth_invalidation_token_update`.execute(db);
  const record =
    `insert into auth_invalidations (user_id, created_at) values (old.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));` +
    ' delete from auth_invalidations where id <= (select max(id) from auth_invalidations) - 10000;';
  await sql.raw(`create trigger auth_invalidation_token_update after update of ${TOKEN_COLUMNS} on personal_access_tokens begin ${record} end`).execute(db);
}
