import '../schema-git.js';
import { toCount, type Db } from './common.js';

/** The IP's ban (if any) and whether it has counted failures, in one round trip: every credentialed git request asks. */
export async function findGitAuthState(db: Db, ip: string): Promise<{ bannedUntil: string | null; hasFailures: boolean }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('git_auth_bans').select('banned_until').where('ip', '=', ip).as('banned_until'),
      eb.exists(eb.selectFrom('git_auth_failures').select('id').where('ip', '=', ip)).as('has_failures'),
    ])
    .executeTakeFirstOrThrow();
  // PostgreSQL answers a boolean, SQLite 0 or 1.
  return { bannedUntil: row.banned_until ?? null, hasFailures: Boolean(row.has_failures) };
}

export const insertGitAuthFailure = (db: Db, ip: string, at: string) => db.insertInto('git_auth_failures').values({ ip, failed_at: at }).execute();

/** Failures that no longer count, of every IP: keeps the table as small as the window. */
export const deleteGitAuthFailuresUpTo = (db: Db, cutoff: string) => db.deleteFrom('git_auth_failures').where('failed_at', '<=', cutoff).execute();

export async function countGitAuthFailuresAfter(db: Db, ip: string, cutoff: string): Promise<number> {
  const row = await db
    .selectFrom('git_auth_failures')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('ip', '=', ip)
    .where('failed_at', '>', cutoff)
    .executeTakeFirst();
  return toCount(row?.count as string | number | undefined);
}

export const deleteGitAuthFailuresOf = (db: Db, ip: string) => db.deleteFrom('git_auth_failures').where('ip', '=', ip).execute();

export const upsertGitAuthBan = (db: Db, ip: string, bannedUntil: string, now: string) =>
  db
    .insertInto('git_auth_bans')
    .values({ ip, banned_until: bannedUntil, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('ip').doUpdateSet({ banned_until: bannedUntil, updated_at: now }))
    .execute();
