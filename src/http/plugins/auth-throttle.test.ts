import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { client, createHarness, TEST_ROOT_PASSWORD, type Harness, type Response } from '../../../test/support/harness.js';
import { SESSION_COOKIE } from './auth.js';

/**
 * The API's failed-authentication throttle as a client meets it (issue 14; the rules themselves:
 * src/services/failed-auth-throttle.test.ts): GitLab's Rack::Attack answer, before the token is
 * looked up and before the parameters are validated, for token requests only.
 */
describe.each(TEST_DIALECTS)('API failed-authentication throttle (%s)', (dialect) => {
  let h: Harness;
  let good: string;
  let admin: string;
  let nextHost = 1;
  const freshIp = () => `192.0.2.${nextHost++}`;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:20.000Z' });
    good = (await makePat(h, await makeUser(h))).token;
    admin = (await makePat(h, h.root)).token;
    expect((await client(h, admin).put('/api/v4/application/settings', { api_failed_auth_limit_per_minute: 3 })).statusCode).toBe(200);
  });
  afterAll(() => h.close());

  const get = (url: string, ip: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, remoteAddress: ip, headers }) as Promise<Response>;
  const guess = async (ip: string, times = 3) => {
    for (let i = 0; i < times; i++) expect((await get('/api/v4/user', ip, { 'private-token': `glpat-guessguessguess${i}` })).statusCode).toBe(401);
  };

  it('429 {"message":"Retry later"} with Retry-After until the minute ends, for every way of presenting a token, and before parameters are validated', async () => {
    const ip = freshIp();
    await guess(ip);
    const ways: Record<string, string>[] = [{ 'private-token': good }, { authorization: `Bearer ${good}` }];
    for (const headers of ways) {
      const res = await get('/api/v4/user', ip, headers);
      expect(res.statusCode, JSON.stringify(Object.keys(headers))).toBe(429);
      expect(res.json()).toEqual({ message: 'Retry later' });
      expect(res.headers['retry-after']).toBe('40');
      expect(res.headers['x-tollgate-error-code']).toBe('failed_auth_throttled');
    }
    expect((await get(`/api/v4/user?private_token=${good}`, ip)).statusCode).toBe(429);
    // An invalid parameter would be a 400 for anyone else.
    expect((await get('/api/v4/groups?per_page=abc', ip, { 'private-token': good })).statusCode).toBe(429);
    expect((await get('/api/v4/user', freshIp(), { 'private-token': good })).statusCode, 'other addresses are served').toBe(200);
  });

  it('requests without a token are not held: anonymous requests are answered as such, and a browser signs in and works', async () => {
    const ip = freshIp();
    await guess(ip);
    expect((await get('/api/v4/groups', ip)).statusCode).toBe(200);
    expect((await get('/api/v4/user', ip)).statusCode).toBe(401);
    const signIn = (await h.app.inject({ method: 'POST', url: '/api/v4/session', remoteAddress: ip, payload: { login: 'root', password: TEST_ROOT_PASSWORD } })) as Response;
    expect(signIn.statusCode).toBe(201);
    const cookie = signIn.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect((await get('/api/v4/user', ip, { cookie: `${cookie.name}=${cookie.value}` })).statusCode).toBe(200);
  });

  it('a token that worked from the address keeps working there (a CI host with one broken job); another token is held back', async () => {
    const ip = freshIp();
    expect((await get('/api/v4/user', ip, { 'private-token': good })).statusCode).toBe(200);
    await guess(ip);
    expect((await get('/api/v4/user', ip, { 'private-token': good })).statusCode).toBe(200);
    expect((await get('/api/v4/user', ip, { 'private-token': admin })).statusCode).toBe(429);
  });

  it('tollgate_authentications_total counts the held requests as outcome="throttled"', async () => {
    const ip = freshIp();
    await guess(ip);
    await get('/api/v4/user', ip, { 'private-token': admin });
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/tollgate_authentications_total\{[^}]*outcome="throttled"[^}]*\} [1-9]/);
  });

  it('the settings: read and changed through /application/settings, checked', async () => {
    const api = client(h, admin);
    const read = (await api.get('/api/v4/application/settings')).json();
    expect(read).toMatchObject({ api_failed_auth_limit_per_minute: 3, failed_auth_throttle_allowlist: [], failed_auth_ban_max_attempts: 30 });
    const changed = await api.put('/api/v4/application/settings', { failed_auth_throttle_allowlist: ['10.0.0.0/8', '2001:db8::1'] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().failed_auth_throttle_allowlist).toEqual(['10.0.0.0/8', '2001:db8::1']);
    const refused: Record<string, unknown>[] = [{ failed_auth_throttle_allowlist: ['10.0.0.0/33'] }, { failed_auth_throttle_allowlist: ['nowhere'] }, { api_failed_auth_limit_per_minute: -1 }];
    for (const body of refused) expect((await api.put('/api/v4/application/settings', body)).statusCode, JSON.stringify(body)).toBe(400);
    expect((await api.put('/api/v4/application/settings', { failed_auth_throttle_allowlist: [] })).statusCode).toBe(200);
  });
});
