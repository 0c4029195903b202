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

/** The policies' view of a user: what their rules look at. */
function actorOf(user: UserRow): Actor {
  return { id: user.id, isAdmin: user.is_admin === 1, external: user.external === 1, userType: user.user_type };
}

/** The caller a token stands for (the API and git over HTTP). */
export const tokenCaller = (user: UserRow, token: AuthenticatedToken, ip: string | null): TokenAuthenticatedCaller => ({
  ...actorOf(user),
  user,
  token,
  ip,
  via: 'token',
});

/** The caller a browser session stands for (the web UI). */
export const sessionCaller = (user: UserRow, session: AuthenticatedSession, ip: string | null): SessionAuthenticatedCaller => ({
  ...actorOf(user),
  user,
  token: null,
  session,
  ip,
  via: 'session',
});

/**
 * The console (the seeds' "Rails console") acting as `user`, root for the console's commands: the
 * API's rules still apply (roles, creation allowed, lifetime), and audit events name the console.
 */
export const consoleCallerAs = (user: UserRow): Caller => ({ ...actorOf(user), user, token: null, ip: null, via: 'console' });

/** The console's caller, or undefined when the administrator `root` does not exist. */
export async function consoleCaller(ctx: ServiceContext): Promise<Caller | undefined> {
  const root = await findUserByUsername(ctx.database.db, ROOT_USERNAME);
  return root && consoleCallerAs(root);
}
