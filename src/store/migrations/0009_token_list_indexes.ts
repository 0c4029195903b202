import { sql, type Kysely } from 'kysely';

/**
 * Token lists at scale (issue 11): a group with 100,000 tokens is listed by walking the tokens in
 * the list's order and keeping the group's (store/repositories/tokens.ts#findTokens), so each
 * order needs an index that yields it, and `?state=active` one that keeps the id order. The
 * nullable columns sort their NULLs last both ways, hence the `is null` key and an index per
 * direction; the others are scanned backwards for a descending sort.
 */
const INDEXES: Array<[name: string, columns: ReturnType<typeof sql>]> = [
  ['pat_revoked_id', sql`revoked, id`],
  ['pat_name_id', sql`name, id`],
  ['pat_created_at_id', sql`created_at, id`],
  ['pat_updated_at_id', sql`updated_at, id`],
  ['pat_expires_at_asc', sql`(expires_at is null), expires_at, id`],
  ['pat_expires_at_desc', sql`(expires_at is null), expires_at desc, id desc`],
  ['pat_last_used_at_asc', sql`(last_used_at is null), last_used_at, id`],
  ['pat_last_used_at_desc', sql`(last_used_at is null), last_used_at desc, id desc`],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, columns] of INDEXES) await db.schema.createIndex(name).on('personal_access_tokens').expression(columns).execute();
}
