import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { makeUser } from '../../test/support/factories.js';
import { createHarness, TEST_ROOT_PASSWORD, type Harness } from '../../test/support/harness.js';
import { findUserById, updateUser } from '../store/repositories/users.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  authenticateSession,
  csrfTokenFor,
  MAX_FAILED_SIGN_INS,
  SESSION_IDLE_TIMEOUT_MS,
  SESSION_TOUCH_INTERVAL_MS,
  SIGN_IN_FAILURE_WINDOW_MS,
  cleanUpSessions,
  signIn,
  signOut,
  touchSession,
} from './sessions.js';

const NOW = '2026-06-15T12:00:00.000Z';
const PASSWORD = 'correct horse battery';

describe.each(TEST_DIALECTS)('sessions (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
  });
  afterAll(() => h.close());

  const attempt = (login: string, password: string, ip = '192.0.2.1') => signIn(h.ctx, { login, password, ip, userAgent: 'vitest' });
  const signedIn = async (login: string, password: string) => {
    const outcome = await attempt(login, password);
    if (outcome.kind !== 'ok') throw new Error(`sign-in failed: ${outcome.kind}`);
    return outcome;
  };

  it('signs in with the username or the email, whatever their case', async () => {
    const user = await makeUser(h, { password: PASSWORD });
    expect((await signedIn(user.username.toUpperCase(), PASSWORD)).user.id).toBe(user.id);
    expect((await signedIn(` ${user.email.toUpperCase()} `, PASSWORD)).user.id).toBe(user.id);
    expect((await signedIn('root', TEST_ROOT_PASSWORD)).user.username).toBe('root');
  });

  it('unknown login and wrong password are the same answer', async () => {
    const user = await makeUser(h, { password: PASSWORD });
    expect(await attempt(user.username, 'wrong password')).toEqual({ kind: 'invalid' });
    expect(await attempt('nobody-by-this-name', PASSWORD)).toEqual({ kind: 'invalid' });
  });

  it('bot and ghost users cannot sign in (they have no password); blocked users are refused', async () => {
    expect(await attempt('ghost', '')).toEqual({ kind: 'invalid' });
    const blocked = await makeUser(h, { password: PASSWORD });
    await updateUser(h.ctx.database.db, blocked.id, { state: 'blocked' });
    expect(await attempt(blocked.username, PASSWORD)).toEqual({ kind: 'blocked' });
  });

  it('a digest made at a lower scrypt cost still verifies, and sign-in re-makes it at the configured cost', async () => {
    const user = await makeUser(h);
    const weaker = await hashPassword(PASSWORD, h.ctx.config.passwordHashCost - 1);
    await updateUser(h.ctx.database.db, user.id, { password_digest: weaker });
    expect((await signedIn(user.username, PASSWORD)).user.id).toBe(user.id);
    const upgraded = (await findUserById(h.ctx.database.db, user.id))!.password_digest!;
    expect(upgraded.split('$')[1]).toBe(String(2 ** h.ctx.config.passwordHashCost));
    expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);
    // A failed sign-in leaves the digest alone: only a verified password is re-hashed.
    await updateUser(h.ctx.database.db, user.id, { password_digest: weaker });
    expect(await attempt(user.username, 'wrong password')).toEqual({ kind: 'invalid' });
    expect((await findUserById(h.ctx.database.db, user.id))!.password_digest).toBe(weaker);
  });

  it('stores only a digest of the session id, never the cookie value', async () => {
    const { sessionId, user } = await signedIn('root', TEST_ROOT_PASSWORD);
    const rows = await h.ctx.database.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(sessionId);
  });

  it('a session authenticates its user until signed out', async () => {
    const { sessionId, csrfToken, user } = await signedIn('root', TEST_ROOT_PASSWORD);
    const found = await authenticateSession(h.ctx, sessionId);
    expect(found?.user.id).toBe(user.id);
    expect(found?.session.csrfToken).toBe(csrfToken);
    await signOut(h.ctx, sessionId);
    expect(await authenticateSession(h.ctx, sessionId)).toBeNull();
  });

  it('malformed or unknown cookie values authenticate nobody', async () => {
    for (const value of ['', 'x', 'a'.repeat(43), `${'a'.repeat(42)}!`]) expect(await authenticateSession(h.ctx, value)).toBeNull();
  });

  it('the CSRF token belongs to one session and is not derivable from the digest', async () => {
    const a = await signedIn('root', TEST_ROOT_PASSWORD);
    const b = await signedIn('root', TEST_ROOT_PASSWORD);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(csrfTokenFor(h.ctx, a.sessionId)).toBe(a.csrfToken);
    const row = await h.ctx.database.db.selectFrom('sessions').select('session_digest').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row.session_digest).not.toBe(b.csrfToken);
  });

  it('a session expires after the idle timeout; activity slides it, written at most every 10 minutes', async () => {
    const { sessionId } = await signedIn('root', TEST_ROOT_PASSWORD);
    const start = h.clock.now().getTime();
    try {
      h.clock.set(new Date(start + SESSION_TOUCH_INTERVAL_MS - 1));
      const early = (await authenticateSession(h.ctx, sessionId))!;
      await touchSession(h.ctx, early.session);
      let row = await h.ctx.database.db.selectFrom('sessions').select(['last_active_at']).where('id', '=', early.session.id).executeTakeFirstOrThrow();
      expect(row.last_active_at).toBe(new Date(start).toISOString());

      h.clock.set(new Date(start + SESSION_IDLE_TIMEOUT_MS - 1000));
      const late = (await authenticateSession(h.ctx, sessionId))!;
      await touchSession(h.ctx, late.session);
      row = await h.ctx.database.db.selectFrom('sessions').select(['last_active_at']).where('id', '=', late.session.id).executeTakeFirstOrThrow();
      expect(row.last_active_at).toBe(new Date(start + SESSION_IDLE_TIMEOUT_MS - 1000).toISOString());

      h.clock.set(new Date(start + SESSION_IDLE_TIMEOUT_MS + 1000));
      expect(await authenticateSession(h.ctx, sessionId)).not.toBeNull();
      h.clock.set(new Date(start + 2 * SESSION_IDLE_TIMEOUT_MS - 1000));
      expect(await authenticateSession(h.ctx, sessionId)).toBeNull();
    } finally {
      h.clock.set(new Date(NOW));
    }
  });

  it('the session-cleanup job removes expired sessions and stale failed sign-ins, and nothing live', async () => {
    const db = h.ctx.database.db;
    const start = h.clock.now().getTime();
    try {
      const old = await signedIn('root', TEST_ROOT_PASSWORD);
      await attempt('someone-who-never-returns', 'wrong');
      h.clock.set(new Date(start + SESSION_IDLE_TIMEOUT_MS + 1000));
      const fresh = await signedIn('root', TEST_ROOT_PASSWORD);
      await attempt('someone-else', 'wrong');
      const report = await cleanUpSessions(h.ctx);
      expect(report.sessions).toBeGreaterThanOrEqual(1);
      expect(report.signInFailures).toBeGreaterThanOrEqual(1);
      expect(await authenticateSession(h.ctx, fresh.sessionId)).not.toBeNull();
      expect(await authenticateSession(h.ctx, old.sessionId)).toBeNull();
      const expired = await db.selectFrom('sessions').select('id').where('expires_at', '<=', h.clock.now().toISOString()).execute();
      expect(expired).toEqual([]);
      const logins = (await db.selectFrom('sign_in_failures').select('login').execute()).map((r) => r.login);
      expect(logins).toContain('someone-else');
      expect(logins).not.toContain('someone-who-never-returns');
    } finally {
      h.clock.set(new Date(NOW));
    }
  });

  it('a blocked user loses their sessions', async () => {
    const user = await makeUser(h, { password: PASSWORD });
    const { sessionId } = await signedIn(user.username, PASSWORD);
    await updateUser(h.ctx.database.db, user.id, { state: 'blocked' });
    expect(await authenticateSession(h.ctx, sessionId)).toBeNull();
  });

  it(`throttles after ${MAX_FAILED_SIGN_INS} failures of one login from one IP, until the oldest leaves the window`, async () => {
    const user = await makeUser(h, { password: PASSWORD });
    const start = h.clock.now().getTime();
    try {
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) {
        expect((await attempt(user.username, `wrong ${i}`)).kind).toBe('invalid');
        h.clock.advance(60_000);
      }
      // Even the right password is not tried while blocked: that is what stops guessing.
      const blocked = await attempt(user.username, PASSWORD);
      expect(blocked).toEqual({ kind: 'throttled', retryAfterSeconds: (SIGN_IN_FAILURE_WINDOW_MS - MAX_FAILED_SIGN_INS * 60_000) / 1000 });
      expect((await attempt(user.email, PASSWORD)).kind).toBe('ok'); // another login
      expect((await attempt(user.username, PASSWORD, '192.0.2.99')).kind).toBe('ok'); // another IP
      h.clock.set(new Date(start + SIGN_IN_FAILURE_WINDOW_MS + 1));
      expect((await attempt(user.username, PASSWORD)).kind).toBe('ok');
    } finally {
      h.clock.set(new Date(NOW));
    }
  });

  it('a successful sign-in clears the failures of that login and IP', async () => {
    const user = await makeUser(h, { password: PASSWORD });
    for (let i = 0; i < MAX_FAILED_SIGN_INS - 1; i++) await attempt(user.username, 'wrong');
    expect((await attempt(user.username, PASSWORD)).kind).toBe('ok');
    for (let i = 0; i < MAX_FAILED_SIGN_INS - 1; i++) await attempt(user.username, 'wrong');
    expect((await attempt(user.username, PASSWORD)).kind).toBe('ok');
  });
});
