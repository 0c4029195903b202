import { sql } from 'kysely';
import type { NewUserRow, UserRow } from '../schema.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';

export const findUserById = (db: Db, id: number): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

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

export const findGhostUser = (db: Db) => db.selectFrom('users').selectAll().where('user_type', '=', 'ghost').executeTakeFirst();
