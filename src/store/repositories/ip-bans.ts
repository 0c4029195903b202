import '../schema-rate-limits.js';
import { toCount, type Db } from './common.js';

/** The IP's ban (if any) and whether it has counted failures, in one round trip: every credentialed Git or registry request asks. */
export async function findIpBanState(db: Db, ip: string): Promise<{ bannedUntil: string | null; hasFailures: boolean }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('ip_bans').select('banned_until').where('ip', '=', ip).as('banned_until'),
      eb.exists(eb.selectFrom('failed_authentications').select('id').where('ip', '=', ip)).as('has_failures'),
    ])
    .executeTakeFirstOrThrow();
  // PostgreSQL answers a boolean, SQLite 0 or 1.
  return { bannedUntil: row.banned_until ?? null, hasFailures: Boolean(row.has_failures) };
}

export const insertFailedAuthentication = (db: Db, ip: string, at: string) => db.insertInto('failed_authentications').values({ ip, failed_at: at }).execute();

/** Failures that no longer count, of every IP: keeps the table as small as the window. */
export const deleteFailedAuthenticationsUpTo = (db: Db, cutoff: string) => db.deleteFrom('failed_authentications').where('failed_at', '<=', cutoff).execute();

export async function countFailedAuthenticationsAfter(db: Db, ip: string, cutoff: string): Promise<number> {
  const row = await db
    .selectFrom('failed_authentications')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('ip', '=', ip)
    .where('failed_at', '>', cutoff)
    .executeTakeFirst();
  return toCount(row?.count as string | number | undefined);
}

export const deleteFailedAuthenticationsOf = (db: Db, ip: string) => db.deleteFrom('failed_authentications').where('ip', '=', ip).execute();

export const upsertIpBan = (db: Db, ip: string, bannedUntil: string, now: string) =>
  db
    .insertInto('ip_bans')
    .values({ ip, banned_until: bannedUntil, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('ip').doUpdateSet({ banned_until: bannedUntil, updated_at: now }))
    .execute();
