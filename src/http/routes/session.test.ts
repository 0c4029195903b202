import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { client, createHarness, TEST_ROOT_PASSWORD, type Harness, type Response } from '../../../test/support/harness.js';
import { MAX_FAILED_SIGN_INS, SESSION_IDLE_TIMEOUT_MS, SIGN_IN_FAILURE_WINDOW_MS } from '../../services/sessions.js';
import { SESSION_COOKIE } from '../plugins/auth.js';

const NOW = '2026-06-15T12:00:00.000Z';
const CSRF_INVALID = { message: '403 Forbidden - CSRF token invalid' };
const INVALID_LOGIN = { message: '401 Unauthorized - Invalid login or password.' };

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Requests as the web UI makes them: the session cookie, and the CSRF header when given. */
function browser(h: Harness, sessionId: string, csrfToken?: string) {
  return (method: Method, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method,
      url,
      cookies: { [SESSION_COOKIE]: sessionId },
      headers: { ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    }) as Promise<Response>;
}

function postSession(h: Harness, body: Record<string, string>, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'POST', url: '/api/v4/session', payload: body, headers }) as Promise<Response>;
}

function sessionCookie(res: Response) {
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return cookie;
}

async function signIn(h: Harness, login = 'root', password = TEST_ROOT_PASSWORD) {
  const res = await postSession(h, { login, password });
  expect(res.statusCode).toBe(201);
  return { sessionId: sessionCookie(res).value, csrfToken: res.json().csrf_token as string, res };
}

describe.each(TEST_DIALECTS)('session routes (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
  });
  afterAll(() => h.close());

  it('POST /session signs in: 201 with the user and a CSRF token; the cookie is HttpOnly, SameSite=Lax, not Secure over http', async () => {
    const { res, csrfToken } = await signIn(h);
    expect(res.json().user).toMatchObject({ username: 'root', is_admin: true, email: expect.any(String) });
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const cookie = sessionCookie(res);
    expect(cookie).toMatchObject({ path: '/', httpOnly: true, sameSite: 'Lax' });
    expect(cookie.secure).toBeUndefined();
    expect(cookie.maxAge).toBeUndefined();
  });

  it('signs in with an email too', async () => {
    const user = await makeUser(h, { password: 'a long password' });
    const res = await postSession(h, { login: user.email, password: 'a long password' });
    expect(res.statusCode).toBe(201);
    expect(res.json().user.username).toBe(user.username);
  });

  it('wrong password and unknown user: the same 401 with a clear message, no cookie', async () => {
    for (const body of [{ login: 'root', password: 'not the password' }, { login: 'no-such-user', password: TEST_ROOT_PASSWORD }]) {
      const res = await postSession(h, body);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(INVALID_LOGIN);
      expect(res.cookies).toEqual([]);
    }
  });

  it('missing fields are Grape-style 400s', async () => {
    const res = await postSession(h, { login: 'root' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'password is missing' });
  });

  it('refuses url-encoded credentials (a cross-site form could post them): 415', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v4/session',
      payload: `login=root&password=${encodeURIComponent(TEST_ROOT_PASSWORD)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.cookies).toEqual([]);
  });

  it(`throttles after ${MAX_FAILED_SIGN_INS} failed sign-ins of one login: 429 with Retry-After, then lets it in after the window`, async () => {
    const user = await makeUser(h, { password: 'a long password' });
    try {
      for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) expect((await postSession(h, { login: user.username, password: 'wrong' })).statusCode).toBe(401);
      const refused = await postSession(h, { login: user.username, password: 'a long password' });
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ message: '429 Too Many Requests - Too many failed sign-in attempts. Try again in 10 minutes.' });
      expect(refused.headers['retry-after']).toBe(String(SIGN_IN_FAILURE_WINDOW_MS / 1000));
      h.clock.advance(SIGN_IN_FAILURE_WINDOW_MS + 1);
      expect((await postSession(h, { login: user.username, password: 'a long password' })).statusCode).toBe(201);
    } finally {
      h.clock.set(new Date(NOW));
    }
  });

  it('GET /session: the user and the same CSRF token for the cookie; 401 without a session', async () => {
    const { sessionId, csrfToken } = await signIn(h);
    const res = await browser(h, sessionId)('GET', '/api/v4/session');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { username: 'root' }, csrf_token: csrfToken });
    expect((await client(h).get('/api/v4/session')).statusCode).toBe(401);
    expect((await browser(h, 'A'.repeat(43))('GET', '/api/v4/session')).json()).toEqual({ message: '401 Unauthorized' });
    const { token } = await makePat(h, h.root);
    expect((await client(h, token).get('/api/v4/session')).statusCode).toBe(401);
  });

  it('a session cookie authenticates API reads as its user', async () => {
    const { sessionId } = await signIn(h);
    const res = await browser(h, sessionId)('GET', '/api/v4/user');
    expect(res.statusCode).toBe(200);
    expect(res.json().username).toBe('root');
  });

  it('CSRF: a state-changing request by cookie without the X-CSRF-Token header is refused 403 and changes nothing', async () => {
    const { sessionId, csrfToken } = await signIn(h);
    const path = `csrf-${dialect}`;
    for (const headerValue of [undefined, 'wrong', `${csrfToken}x`]) {
      const res = await browser(h, sessionId, headerValue)('POST', '/api/v4/groups', { name: path, path });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual(CSRF_INVALID);
    }
    expect((await browser(h, sessionId)('GET', `/api/v4/groups/${path}`)).statusCode).toBe(404);
    const created = await browser(h, sessionId, csrfToken)('POST', '/api/v4/groups', { name: path, path });
    expect(created.statusCode).toBe(201);
    expect((await browser(h, sessionId)('PUT', `/api/v4/groups/${created.json().id}`, { description: 'x' })).json()).toEqual(CSRF_INVALID);
    expect((await browser(h, sessionId)('DELETE', `/api/v4/groups/${created.json().id}`)).json()).toEqual(CSRF_INVALID);
    const updated = await browser(h, sessionId, csrfToken)('PUT', `/api/v4/groups/${created.json().id}`, { description: 'by the UI' });
    expect(updated.json().description).toBe('by the UI');
  });

  it("one session's CSRF token does not work with another session", async () => {
    const a = await signIn(h);
    const b = await signIn(h);
    const res = await browser(h, a.sessionId, b.csrfToken)('POST', '/api/v4/groups', { name: 'other', path: `other-${dialect}` });
    expect(res.json()).toEqual(CSRF_INVALID);
  });

  it('tokens work exactly as before: no CSRF header needed, and a token wins over a cookie', async () => {
    const user = await makeUser(h, { password: 'a long password' });
    const { token } = await makePat(h, user);
    const { sessionId } = await signIn(h); // root's session
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v4/groups',
      cookies: { [SESSION_COOKIE]: sessionId },
      headers: { 'private-token': token },
      payload: { name: 'by-token', path: `by-token-${dialect}` },
    });
    expect(res.statusCode).toBe(201);
    const me = await h.app.inject({ method: 'GET', url: '/api/v4/user', cookies: { [SESSION_COOKIE]: sessionId }, headers: { 'private-token': token } });
    expect(me.json().username).toBe(user.username);
  });

  it('scopes do not apply to a session (it has none): writes work by cookie', async () => {
    const { sessionId, csrfToken } = await signIn(h);
    const res = await browser(h, sessionId, csrfToken)('POST', '/api/v4/groups', { name: 'scopeless', path: `scopeless-${dialect}` });
    expect(res.statusCode).toBe(201);
  });

  it('DELETE /session signs out: needs the CSRF token, clears the cookie, and the old cookie stops working', async () => {
    const { sessionId, csrfToken } = await signIn(h);
    expect((await browser(h, sessionId)('DELETE', '/api/v4/session')).json()).toEqual(CSRF_INVALID);
    const res = await browser(h, sessionId, csrfToken)('DELETE', '/api/v4/session');
    expect(res.statusCode).toBe(204);
    const cleared = sessionCookie(res);
    expect(cleared.value).toBe('');
    expect((await browser(h, sessionId)('GET', '/api/v4/user')).statusCode).toBe(401);
    expect((await client(h).delete('/api/v4/session')).statusCode).toBe(401);
  });

  it('a session idle for longer than the timeout no longer authenticates', async () => {
    const { sessionId } = await signIn(h);
    try {
      h.clock.advance(SESSION_IDLE_TIMEOUT_MS);
      expect((await browser(h, sessionId)('GET', '/api/v4/user')).statusCode).toBe(401);
    } finally {
      h.clock.set(new Date(NOW));
    }
  });
});

describe.each(TEST_DIALECTS)('session cookie behind HTTPS (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW, config: { externalUrl: 'https://tollgate.test' } });
  });
  afterAll(() => h.close());

  it('is Secure when TOLLGATE_EXTERNAL_URL is https', async () => {
    const { res } = await signIn(h);
    expect(sessionCookie(res)).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
  });
});
