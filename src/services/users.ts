import { failure, invalidFields, type FieldError } from '../domain/errors.js';
import { ok, type Result } from '../domain/result.js';
import { isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { findUserById, findUserByUsername, insertUser, listUsers, usernameOrEmailTaken } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import type { Listed, Page } from './lists.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';

export interface NewUser {
  username: string;
  email: string;
  name: string;
  password?: string | undefined;
  admin?: boolean | undefined;
  external?: boolean | undefined;
}

const USERNAME = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_LENGTH = 255;

function newUserErrors(input: NewUser): FieldError[] {
  const errors: FieldError[] = [];
  if (!USERNAME.test(input.username) || input.username.length > MAX_LENGTH || /\.(git|atom)$/.test(input.username)) {
    errors.push({ field: 'username', message: 'Username can contain only letters, digits, "_", "-" and ".", cannot start with "-" or end in ".git" or ".atom"' });
  }
  if (!EMAIL.test(input.email) || input.email.length > MAX_LENGTH) errors.push({ field: 'email', message: 'Email is invalid' });
  if (input.name.trim() === '') errors.push({ field: 'name', message: "Name can't be blank" });
  else if (input.name.length > MAX_LENGTH) errors.push({ field: 'name', message: `Name is too long (maximum is ${MAX_LENGTH} characters)` });
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    errors.push({ field: 'password', message: `Password is too short (minimum is ${MIN_PASSWORD_LENGTH} characters)` });
  }
  return errors;
}

/** POST /users and `tollgate users create`: a human user; taken usernames and emails are GitLab's 409s. */
export async function createUser(ctx: ServiceContext, input: NewUser): Promise<Result<UserRow>> {
  const db = ctx.database.db;
  const errors = newUserErrors(input);
  if (errors.length > 0) return invalidFields('invalid_attributes', errors);
  const taken = await usernameOrEmailTaken(db, input.username, input.email);
  if (taken.email) return failure('email_taken');
  if (taken.username) return failure('username_taken');
  const passwordDigest = input.password ? await hashPassword(input.password, ctx.config.passwordHashCost) : null;
  const now = nowIso(ctx);
  try {
    return ok(
      await insertUser(db, {
        username: input.username,
        email: input.email,
        name: input.name,
        state: 'active',
        is_admin: input.admin ? 1 : 0,
        external: input.external ? 1 : 0,
        user_type: 'human',
        bot_namespace_id: null,
        password_digest: passwordDigest,
        created_at: now,
        updated_at: now,
      }),
    );
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const email = `${error.constraint ?? ''} ${error.message}`.includes('users_email_unique');
    return failure(email ? 'email_taken' : 'username_taken');
  }
}

/** GET /users/:id: anyone but the ghost user, for anyone (a public profile, as in GitLab). */
export async function getUser(ctx: ServiceContext, id: number): Promise<Result<UserRow>> {
  const user = isRecordId(id) ? await findUserById(ctx.database.db, id) : undefined;
  return user && user.user_type !== 'ghost' ? ok(user) : failure('user_not_found');
}

/**
 * GET /users: by exact username or by a search on username, name and email. Anonymously only by
 * username, as in GitLab's API::Users: whoever is not signed in finds one user by name, never the
 * list of them all.
 */
export async function findUsers(
  ctx: ServiceContext,
  caller: Caller | null,
  filter: { username?: string | undefined; search?: string | undefined },
  page: Page,
): Promise<Result<Listed<UserRow>>> {
  if (caller === null && !filter.username) return failure('users_list_needs_username');
  const { rows, total } = await listUsers(ctx.database.db, { username: filter.username, search: filter.search }, page);
  return ok({ items: rows, total });
}

/** A user by username (any case), for the console; the ghost user is nobody's to act for. */
export async function userByUsername(ctx: ServiceContext, username: string): Promise<UserRow | undefined> {
  const user = await findUserByUsername(ctx.database.db, username);
  return user && user.user_type !== 'ghost' ? user : undefined;
}
