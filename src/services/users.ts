import { isUniqueViolation, type Db } from '../store/repositories/common.js';
import { badRequest, fail, ok, type Result } from '../domain/result.js';
import { insertUser, usernameOrEmailTaken } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
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

export function newUserErrors(input: NewUser): string[] {
  const errors: string[] = [];
  if (!USERNAME.test(input.username) || input.username.length > MAX_LENGTH || /\.(git|atom)$/.test(input.username)) {
    errors.push('Username can contain only letters, digits, "_", "-" and ".", cannot start with "-" or end in ".git" or ".atom"');
  }
  if (!EMAIL.test(input.email) || input.email.length > MAX_LENGTH) errors.push('Email is invalid');
  if (input.name.trim() === '') errors.push("Name can't be blank");
  else if (input.name.length > MAX_LENGTH) errors.push(`Name is too long (maximum is ${MAX_LENGTH} characters)`);
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    errors.push(`Password is too short (minimum is ${MIN_PASSWORD_LENGTH} characters)`);
  }
  return errors;
}

/** Creates a human user; taken usernames and emails are GitLab's 409s. */
export async function createUser(db: Db, input: NewUser, now: string): Promise<Result<UserRow>> {
  const errors = newUserErrors(input);
  if (errors.length > 0) return badRequest(errors.join(', '));
  const taken = await usernameOrEmailTaken(db, input.username, input.email);
  if (taken.email) return fail('conflict', 'Email has already been taken');
  if (taken.username) return fail('conflict', 'Username has already been taken');
  const passwordDigest = input.password ? await hashPassword(input.password) : null;
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
    return fail('conflict', email ? 'Email has already been taken' : 'Username has already been taken');
  }
}
