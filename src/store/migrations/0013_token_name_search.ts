import { sql, type Kysely } from 'kysely';
import { isPostgres } from './columns.js';

/**
 * `?search=` at scale (issue 11 P2): a name search is a substring match (`lower(name) like
 * '%term%'`, domain/search.ts), which no B-tree serves; over 100,000 tokens every search read
 * them all. A trigram index finds the candidates instead: FTS5's trigram tokenizer on SQLite
 * (an external-content table kept by triggers; store/repositories/tokens.ts asks it), pg_trgm's
 * GIN index on PostgreSQL (its planner uses it for the same LIKE by itself). A search too short
 * for trigrams compares the whole name, which the lower(name) index serves on both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('pat_lower_name').on('personal_access_tokens').expression(sql`lower(name)`).execute();
  if (isPostgres(db)) return trigramIndexOnPostgres(db);

  await sql`create virtual table token_name_search using fts5(name, content='personal_access_tokens', content_rowid='id', tokenize='trigram')`.execute(db);
  await sql`create trigger token_name_search_insert after insert on personal_access_tokens begin
    insert into token_name_search (rowid, name) values (new.id, new.name); end`.execute(db);
  await sql`create trigger token_name_search_delete after delete on personal_access_tokens begin
    insert into token_name_search (token_name_search, rowid, name) values ('delete', old.id, old.name); end`.execute(db);
  await sql`create trigger token_name_search_update after update of name on personal_access_tokens begin
    insert into token_name_search (token_name_search, rowid, name) values ('delete', old.id, old.name);
    insert into token_name_search (rowid, name) values (new.id, new.name); end`.execute(db);
  await sql`insert into token_name_search (token_name_search) values ('rebuild')`.execute(db);
}

/**
 * pg_trgm is a trusted extension: a role that may create objects in the database may install it.
 * It is installed once per database, in `public` unless it is there already (instances in schemas
 * of their own share it; dropping one such schema must not drop it). Without the privilege the
 * search works as before, by reading every name, and the operator guide says how to add it.
 */
async function trigramIndexOnPostgres(db: Kysely<any>): Promise<void> {
  // Instances migrating side by side (schemas of one database) would race to install it.
  await sql`select pg_advisory_xact_lock(hashtext('tollgate pg_trgm'))`.execute(db);
  let schema = await trigramSchema(db);
  if (!schema) {
    const { rows } = await sql<{ allowed: boolean }>`select has_database_privilege(current_database(), 'CREATE') and has_schema_privilege('public', 'CREATE') as allowed`.execute(db);
    if (!rows[0]?.allowed) return;
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
    schema = await trigramSchema(db);
  }
  await sql`create index pat_name_trigrams on personal_access_tokens using gin (lower(name) ${sql.id(schema!, 'gin_trgm_ops')})`.execute(db);
}

async function trigramSchema(db: Kysely<any>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string }>`select extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_trgm'`.execute(db);
  return rows[0]?.schema;
}
