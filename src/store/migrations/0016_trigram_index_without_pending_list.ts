import { sql, type Kysely } from 'kysely';
import { isPostgres } from './columns.js';

/**
 * PostgreSQL's trigram index of token names (migration 0013) writes what it is given into GIN's
 * pending list, which every search then reads from end to end until a vacuum, or 4 MB of it,
 * moves it into the index. Tokens are made a few at a time and listed often: in the bench a
 * search's count went from 2.0 ms to 5.9 ms after 9,000 tokens were made, and `?search=`'s median
 * grew round after round (3.7 → 11.5 ms) while P3 made tokens (docs/performance.md). Without the
 * pending list each new name goes straight into the index: 9,000 tokens later the count took what
 * it took before, and tokens were made as fast (side by side, `wrk` on POST).
 *
 * SQLite's FTS5 index has no such list. Without pg_trgm there is no index to change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('pat_name_trigrams') is not null as exists`.execute(db);
  if (!rows[0]?.exists) return;
  await sql`alter index pat_name_trigrams set (fastupdate = off)`.execute(db);
  // What the list holds now is moved into the index at once, not at the next vacuum.
  await sql`select gin_clean_pending_list('pat_name_trigrams'::regclass)`.execute(db);
}
