import '../schema-sessions.js';
import { sql, type Insertable, type Selectable } from 'kysely';
import { type NewUserRow, type UserRow } from '../schema.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';
import { type SessionsTable } from '../schema-sessions.js';

export const findUserById = (db: Db, id: number): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const findUsersByIds = async (db: Db, ids: number[]): Promise<UserRow[]> =>
  ids.length === 0 ? [] : db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();

/** The bot users of access tokens of these groups and of their projects (decision 0004). */
export const findBotIdsOfGroups = async (db: Db, groupIds: number[]): Promise<number[]> =>
  groupIds.length === 0
    ? []
    : (
        await db
          .selectFrom('users')
          .select('id')
          .where((eb) =>
            eb.or([eb('bot_namespace_id', 'in', groupIds), eb('bot_project_id', 'in', eb.selectFrom('projects').select('projects.id').where('projects.group_id', 'in', groupIds))]),
          )
          .execute()
      ).map((row) => row.id);

export const findUserByUsername = (db: Db, username: string): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst();

/** Sign-in and the console accept a username or an email. */
export const findUserByLogin = (db: Db, login: string): Promise<UserRow | undefined> =>
  db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb(sql`lower(username)`, '=', login.toLowerCase()), eb(sql`lower(email)`, '=', login.toLowerCase())]))
    .executeTakeFirst();

export const usernameOrEmailTaken = async (db: Db, username: string, email: string): Promise<{ username: boolean; email: boolean }> => {
  const rows = await db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) => eb.or([eb(sql`lower(username)`, '=', username.toLowerCase()), eb(sql`lower(email)`, '=', email.toLowerCase())]))
    .execute();
  return {
    username: rows.some((r) => r.username.toLowerCase() === username.toLowerCase()),
    email: rows.some((r) => r.email.toLowerCase() === email.toLowerCase()),
  };
};

export const insertUser = async (db: Db, user: NewUserRow): Promise<UserRow> =>
  db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();

export const updateUser = (db: Db, id: number, changes: Partial<NewUserRow>) =>
  db.updateTable('users').set(changes).where('id', '=', id).execute();

export const deleteUser = (db: Db, id: number) => db.deleteFrom('users').where('id', '=', id).execute();

export interface UserFilter {
  search?: string;
  username?: string;
  humansOnly?: boolean;
  botsOnly?: boolean;
}

function filteredUsers(db: Db, filter: UserFilter) {
  let query = db.selectFrom('users').where('user_type', '!=', 'ghost');
  if (filter.username) query = query.where(sql`lower(username)`, '=', filter.username.toLowerCase());
  if (filter.search) {
    const pattern = `%${filter.search.toLowerCase()}%`;
    query = query.where((eb) =>
      eb.or([eb(sql`lower(username)`, 'like', pattern), eb(sql`lower(name)`, 'like', pattern), eb(sql`lower(email)`, 'like', pattern)]),
    );
  }
  if (filter.humansOnly) query = query.where('user_type', '=', 'human');
  if (filter.botsOnly) query = query.where('user_type', '=', 'project_bot');
  return query;
}

export async function listUsers(db: Db, filter: UserFilter, page: Page): Promise<{ rows: UserRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    filteredUsers(db, filter).selectAll().orderBy('id', 'asc').limit(page.perPage).offset(offsetOf(page)).execute(),
    filteredUsers(db, filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

/** The ghost is made with root, among the first users: `limit 1` stops the scan there instead of reading every user (user_type has no index). */
export const findGhostUser = (db: Db) => db.selectFrom('users').selectAll().where('user_type', '=', 'ghost').limit(1).executeTakeFirst();

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
