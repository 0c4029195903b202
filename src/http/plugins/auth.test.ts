import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import { revokeTokenIfActive } from '../../store/repositories/tokens.js';

describe.each(TEST_DIALECTS)('authentication (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:00.000Z' });
  });
  afterAll(() => h.close());

  it('§3.4 no credentials: 401 {"message":"401 Unauthorized"}', async () => {
    const res = await client(h).get('/api/v4/user');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ message: '401 Unauthorized' });
  });

  it('§3.4 unknown token (well-formed or not): 401 {"message":"401 Unauthorized"}', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user);
    // Same shape, different secret part: passes the format check, fails the lookup.
    const forged = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    for (const presented of ['glpat-nonsense', forged, '']) {
      const res = await client(h, presented).get('/api/v4/user');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: '401 Unauthorized' });
    }
  });

  it('§3.4 expired token: 401 invalid_token with WWW-Authenticate, from 00:00 UTC of its date (T11)', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user, { expiresAt: '2026-06-16' });
    expect((await client(h, token).get('/api/v4/user')).statusCode).toBe(200);
    h.clock.set(new Date('2026-06-15T23:59:59.999Z'));
    expect((await client(h, token).get('/api/v4/user')).statusCode).toBe(200);
    h.clock.set(new Date('2026-06-16T00:00:00.000Z'));
    const res = await client(h, token).get('/api/v4/user');
    expect(res.statusCode).toBe(401);
    const description = 'Token is expired. You can either do re-authorization or token refresh.';
    expect(res.json()).toEqual({ error: 'invalid_token', error_description: description });
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="The API", error="invalid_token", error_description="${description}"`);
    h.clock.set(new Date('2026-06-15T12:00:00.000Z'));
  });

  it('§3.4 revoked token: 401 invalid_token "Token was revoked…"', async () => {
    const user = await makeUser(h);
    const { token, id } = await makePat(h, user);
    await revokeTokenIfActive(h.ctx.database.db, id, new Date().toISOString());
    const res = await client(h, token).get('/api/v4/user');
    expect(res.statusCode).toBe(401);
    const description = 'Token was revoked. You have to re-authorize from the user.';
    expect(res.json()).toEqual({ error: 'invalid_token', error_description: description });
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="The API", error="invalid_token", error_description="${description}"`);
  });

  it('§3.2 a token both revoked and expired reports expired', async () => {
    const user = await makeUser(h);
    const { token, id } = await makePat(h, user, { expiresAt: '2026-06-10' });
    await revokeTokenIfActive(h.ctx.database.db, id, new Date().toISOString());
    expect((await client(h, token).get('/api/v4/user')).json().error_description).toMatch(/expired/);
  });

  it('§3.4 insufficient scope: 403 insufficient_scope naming the scopes that would do', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user, { scopes: ['read_repository'] });
    const res = await client(h, token).get('/api/v4/user');
    expect(res.statusCode).toBe(403);
    // GET /user also takes read_user (GitLab's API::Users), so it is named too.
    expect(res.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token.',
      scope: 'api read_api read_user',
    });
  });

  it('§2.0 read_api allows GET and HEAD only; a POST answers insufficient_scope "api"', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user, { scopes: ['read_api'] });
    expect((await client(h, token).get('/api/v4/user')).statusCode).toBe(200);
    const res = await client(h, token).post('/api/v4/groups', { name: 'x', path: 'x' });
    expect(res.statusCode).toBe(403);
    expect(res.json().scope).toBe('api');
  });

  it('§3.1 accepts PRIVATE-TOKEN, Authorization: Bearer, and private_token in the query or body', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user);
    const anonymous = client(h);
    expect((await anonymous.get('/api/v4/user', { authorization: `Bearer ${token}` })).json().username).toBe(user.username);
    expect((await anonymous.get(`/api/v4/user?private_token=${encodeURIComponent(token)}`)).json().username).toBe(user.username);
    const viaBody = await anonymous.post('/api/v4/groups', { name: 'via-body', path: `via-body-${dialect}`, private_token: token });
    expect(viaBody.statusCode).toBe(201);
  });

  it('§3.7 last_used_at and IPs are recorded after the response, throttled to 10 min / 1 min', async () => {
    const user = await makeUser(h);
    const { token, id } = await makePat(h, user);
    const read = async () => (await client(h, token).get(`/api/v4/personal_access_tokens/${id}`)).json();
    await client(h, token).get('/api/v4/user');
    await h.ctx.tokenUsage.flush();
    const first = await read();
    expect(first.last_used_at).toBe('2026-06-15T12:00:00.000Z');
    expect(first.last_used_ips).toEqual(['127.0.0.1']);
    h.clock.advance(5 * 60 * 1000);
    await client(h, token).get('/api/v4/user');
    await h.ctx.tokenUsage.flush();
    expect((await read()).last_used_at).toBe('2026-06-15T12:00:00.000Z');
    h.clock.advance(6 * 60 * 1000);
    await client(h, token).get('/api/v4/user');
    await h.ctx.tokenUsage.flush();
    expect((await read()).last_used_at).toBe('2026-06-15T12:11:00.000Z');
    h.clock.set(new Date('2026-06-15T12:00:00.000Z'));
  });

  it('unknown routes answer GitLab\'s {"error":"404 Not Found"}', async () => {
    const res = await client(h).get('/api/v4/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: '404 Not Found' });
  });
});
