import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../domain/constant-time.js';
import { findUserById, findUserByLogin, clearSignInFailures, deleteExpiredSessionsOfUser, deleteSessionByDigest, findLiveSessionByDigest, insertSession, insertSignInFailure, recentSignInFailures, touchSessionRow, type SessionRow, deleteExpiredSessions, deleteSignInFailuresUpTo, updateUser } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
import { sessionCaller, type SessionAuthenticatedCaller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { digestNeedsUpgrade, hashPassword, verifyPassword } from './passwords.js';

/** GitLab's default session_expire_delay: a week without activity signs the browser out. */
export const SESSION_IDLE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** Activity is written at most this often, so browsing does not write on every request. */
export const SESSION_TOUCH_INTERVAL_MS = 10 * 60 * 1000;
/** Failed sign-ins of one login from one IP allowed within the window before sign-in is refused. */
export const MAX_FAILED_SIGN_INS = 5;
export const SIGN_IN_FAILURE_WINDOW_MS = 10 * 60 * 1000;

const SESSION_ID_BYTES = 32;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_LOGIN_LENGTH = 255;

export interface AuthenticatedSession {
  id: number;
  userId: number;
  lastActiveAt: string;
  /** What a state-changing request must send in X-CSRF-Token. */
  csrfToken: string;
}

export type SignIn =
  | { kind: 'ok'; user: UserRow; sessionId: string; csrfToken: string }
  | { kind: 'invalid' }
  | { kind: 'blocked' }
  | { kind: 'throttled'; retryAfterSeconds: number };

/** Separate keys per purpose, all from the instance secret: a session digest is never a CSRF token. */
function keyed(ctx: Pick<ServiceContext, 'secret'>, purpose: 'session' | 'csrf', value: string): string {
  return createHmac('sha256', ctx.secret).update(`${purpose}:${value}`).digest('base64url');
}

const sessionDigest = (ctx: Pick<ServiceContext, 'secret'>, sessionId: string) => keyed(ctx, 'session', sessionId);

/** Derived from the session id rather than stored: the cookie alone cannot reveal it, the server can always recompute it. */
export const csrfTokenFor = (ctx: Pick<ServiceContext, 'secret'>, sessionId: string) => keyed(ctx, 'csrf', sessionId);

export function csrfTokenMatches(expected: string, presented: string | undefined): boolean {
  return presented !== undefined && constantTimeEqual(expected, presented);
}

const normalizeLogin = (login: string) => login.trim().toLowerCase();

// Verifying against a throwaway digest when the login is unknown costs the same scrypt time as a
// wrong password, so response times do not tell which usernames exist.
// One per cost, as the instance's stored digests are made with its configured cost.
const decoyDigests = new Map<number, Promise<string>>();
function decoy(cost: number): Promise<string> {
  let digest = decoyDigests.get(cost);
  if (!digest) decoyDigests.set(cost, (digest = hashPassword(randomBytes(16).toString('hex'), cost)));
  return digest;
}

/**
 * Signs a user in with a username or email and a password. Unknown login and wrong password are
 * the same answer; after MAX_FAILED_SIGN_INS failures of one login from one IP within the window,
 * sign-in is refused without looking at the password until the oldest failure leaves the window.
 */
export async function signIn(
  ctx: ServiceContext,
  input: { login: string; password: string; ip: string; userAgent: string | null },
): Promise<SignIn> {
  const db = ctx.database.db;
  const now = ctx.clock.now();
  const login = normalizeLogin(input.login).slice(0, MAX_LOGIN_LENGTH);
  const windowStart = new Date(now.getTime() - SIGN_IN_FAILURE_WINDOW_MS).toISOString();
  const failures = await recentSignInFailures(db, login, input.ip, windowStart);
  if (failures.count >= MAX_FAILED_SIGN_INS && failures.oldest) {
    const unblockAt = new Date(failures.oldest).getTime() + SIGN_IN_FAILURE_WINDOW_MS;
    return { kind: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((unblockAt - now.getTime()) / 1000)) };
  }

  const user = login === '' ? undefined : await findUserByLogin(db, login);
  const signsIn = user && user.user_type === 'human' && user.password_digest !== null;
  const cost = ctx.config.passwordHashCost;
  const passwordOk = await verifyPassword(input.password, signsIn ? user.password_digest : await decoy(cost));
  if (!signsIn || !passwordOk) {
    await clearSignInFailures(db, login, input.ip, windowStart);
    await insertSignInFailure(db, login, input.ip, now.toISOString());
    return { kind: 'invalid' };
  }
  await clearSignInFailures(db, login, input.ip);
  if (user.state !== 'active') return { kind: 'blocked' };
  // Digests made before the cost was raised are re-made now: the password is at hand only here.
  if (digestNeedsUpgrade(user.password_digest, cost)) {
    await updateUser(db, user.id, { password_digest: await hashPassword(input.password, cost), updated_at: now.toISOString() });
  }

  const sessionId = randomBytes(SESSION_ID_BYTES).toString('base64url');
  const at = now.toISOString();
  await deleteExpiredSessionsOfUser(db, user.id, at);
  await insertSession(db, {
    user_id: user.id,
    session_digest: sessionDigest(ctx, sessionId),
    ip_address: input.ip,
    user_agent: input.userAgent?.slice(0, 512) ?? null,
    created_at: at,
    last_active_at: at,
    expires_at: new Date(now.getTime() + SESSION_IDLE_TIMEOUT_MS).toISOString(),
  });
  return { kind: 'ok', user, sessionId, csrfToken: csrfTokenFor(ctx, sessionId) };
}

/**
 * The caller of a live session of an active user, for a cookie value, or null (unknown, expired,
 * malformed, blocked user). `ip` is where the request came from (audit events).
 */
export async function authenticateSession(ctx: ServiceContext, sessionId: string, ip: string | null = null): Promise<SessionAuthenticatedCaller | null> {
  if (!SESSION_ID_PATTERN.test(sessionId)) return null;
  const db = ctx.database.db;
  const row: SessionRow | undefined = await findLiveSessionByDigest(db, sessionDigest(ctx, sessionId), nowIso(ctx));
  if (!row) return null;
  const user = await findUserById(db, row.user_id);
  if (!user || user.state !== 'active') return null;
  return sessionCaller(user, { id: row.id, userId: user.id, lastActiveAt: row.last_active_at, csrfToken: csrfTokenFor(ctx, sessionId) }, ip);
}

/** Slides the idle expiry forward, at most once per SESSION_TOUCH_INTERVAL_MS. */
export async function touchSession(ctx: ServiceContext, session: AuthenticatedSession): Promise<void> {
  const now = ctx.clock.now();
  if (now.getTime() - new Date(session.lastActiveAt).getTime() < SESSION_TOUCH_INTERVAL_MS) return;
  await touchSessionRow(ctx.database.db, session.id, now.toISOString(), new Date(now.getTime() + SESSION_IDLE_TIMEOUT_MS).toISOString());
}

export async function signOut(ctx: ServiceContext, sessionId: string): Promise<void> {
  await deleteSessionByDigest(ctx.database.db, sessionDigest(ctx, sessionId));
}

/**
 * The session-cleanup job: expired sessions and failed sign-ins older than the throttle window
 * would otherwise stay until their user signs in again, or forever for logins that never do.
 */
export async function cleanUpSessions(ctx: ServiceContext): Promise<{ sessions: number; signInFailures: number }> {
  const now = ctx.clock.now();
  const db = ctx.database.db;
  return {
    sessions: await deleteExpiredSessions(db, now.toISOString()),
    signInFailures: await deleteSignInFailuresUpTo(db, new Date(now.getTime() - SIGN_IN_FAILURE_WINDOW_MS).toISOString()),
  };
}
