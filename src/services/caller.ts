import type { Actor } from '../domain/permissions.js';
import type { AuthenticatedToken } from '../store/repositories/tokens.js';
import { findUserByUsername } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
import { ROOT_USERNAME } from './bootstrap.js';
import type { ServiceContext } from './context.js';
import type { AuthenticatedSession } from './sessions.js';

export type { AuthenticatedToken };

/**
 * Who is asking: built once, by authentication (the auth plugin for the API, the Git front for
 * git, the console for the CLI), and handed to every use case that needs to know. It is the actor
 * of the pure policies (src/domain/permissions.ts), so they take it as it is. Anonymous is null.
 */
export interface Caller extends Actor {
  user: UserRow;
  /** The token the request authenticated with; null for a browser session or the console. */
  token: AuthenticatedToken | null;
  /** The browser session the request authenticated with (absent for a token or the console). */
  session?: AuthenticatedSession;
  /** Where the request came from (audit events); null for the console. */
  ip: string | null;
  via: 'token' | 'session' | 'console';
}

export type TokenAuthenticatedCaller = Caller & { via: 'token'; token: AuthenticatedToken };
export type SessionAuthenticatedCaller = Caller & { via: 'session'; session: AuthenticatedSession };

/**
 * Every caller is built here, in one shape: the policies' view of the user (what their rules look
 * at) and how the request authenticated. One literal, not a spread of the actor: a spread object
 * changes shape as fields are added, which cost several microseconds per request (issue 11).
 */
function callerOf(user: UserRow, via: Caller['via'], token: AuthenticatedToken | null, session: AuthenticatedSession | undefined, ip: string | null): Caller {
  return { id: user.id, isAdmin: user.is_admin === 1, external: user.external === 1, userType: user.user_type, user, token, session, ip, via };
}

/** The caller a token stands for (the API and git over HTTP). */
export const tokenCaller = (user: UserRow, token: AuthenticatedToken, ip: string | null) => callerOf(user, 'token', token, undefined, ip) as TokenAuthenticatedCaller;

/** The caller a browser session stands for (the web UI). */
export const sessionCaller = (user: UserRow, session: AuthenticatedSession, ip: string | null) => callerOf(user, 'session', null, session, ip) as SessionAuthenticatedCaller;

/**
 * The console (the seeds' "Rails console") acting as `user`, root for the console's commands: the
 * API's rules still apply (roles, creation allowed, lifetime), and audit events name the console.
 */
export const consoleCallerAs = (user: UserRow): Caller => callerOf(user, 'console', null, undefined, null);

/** The console's caller, or undefined when the administrator `root` does not exist. */
export async function consoleCaller(ctx: ServiceContext): Promise<Caller | undefined> {
  const root = await findUserByUsername(ctx.database.db, ROOT_USERNAME);
  return root && consoleCallerAs(root);
}
