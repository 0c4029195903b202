import '../schema-sessions.js';
import type { Insertable, Selectable } from 'kysely';
import type { SessionsTable } from '../schema-sessions.js';
import { toCount, type Db } from './common.js';

export type SessionRow = Selectable<SessionsTable>;

export const insertSession = (db: Db, session: Insertable<SessionsTable>): Promise<SessionRow> =>
  db.insertInto('sessions').values(session).returningAll().executeTakeFirstOrThrow();

/** A session that has not expired, by the digest of its cookie value. */
export const findLiveSessionByDigest = (db: Db, digest: string, now: string): Promise<SessionRow | undefined> =>
  db.selectFrom('sessions').selectAll().where('session_digest', '=', digest).where('expires_at', '>', now).executeTakeFirst();

export const touchSessionRow = (db: Db, id: number, lastActiveAt: string, expiresAt: string) =>
  db.updateTable('sessions').set({ last_active_at: lastActiveAt, expires_at: expiresAt }).where('id', '=', id).execute();

export const deleteSessionByDigest = (db: Db, digest: string) => db.deleteFrom('sessions').where('session_digest', '=', digest).execute();

export const deleteExpiredSessionsOfUser = (db: Db, userId: number, now: string) =>
  db.deleteFrom('sessions').where('user_id', '=', userId).where('expires_at', '<=', now).execute();

export const insertSignInFailure = (db: Db, login: string, ip: string, at: string) =>
  db.insertInto('sign_in_failures').values({ login, ip_address: ip, failed_at: at }).execute();

/** Failures of this login from this IP since `since`, oldest first (the oldest decides when the block ends). */
export async function recentSignInFailures(db: Db, login: string, ip: string, since: string): Promise<{ count: number; oldest: string | null }> {
  const row = await db
    .selectFrom('sign_in_failures')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('failed_at').as('oldest')])
    .where('login', '=', login)
    .where('ip_address', '=', ip)
    .where('failed_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: toCount(row.n as number), oldest: (row.oldest as string | null) ?? null };
}

/** Forgets this login's failures from this IP: all of them after a success, the stale ones otherwise. */
export const clearSignInFailures = (db: Db, login: string, ip: string, before?: string) => {
  let query = db.deleteFrom('sign_in_failures').where('login', '=', login).where('ip_address', '=', ip);
  if (before !== undefined) query = query.where('failed_at', '<=', before);
  return query.execute();
};

/** Every session past its expiry, whoever it belongs to (the cleanup job). */
export const deleteExpiredSessions = async (db: Db, now: string): Promise<number> =>
  Number((await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows);

/** Failed sign-ins too old to count towards any throttle. */
export const deleteSignInFailuresUpTo = async (db: Db, before: string): Promise<number> =>
  Number((await db.deleteFrom('sign_in_failures').where('failed_at', '<=', before).executeTakeFirst()).numDeletedRows);
