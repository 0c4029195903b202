import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../../../test/support/factories.js';
import { makeGroupToken, makeProjectToken } from '../../../test/support/git-factories.js';
import { client, createHarness, type Harness, type Response } from '../../../test/support/harness.js';
import { updateSettings } from '../../services/settings.js';
import { updateUser } from '../../store/repositories/users.js';
import { buildApp, loggerOptions } from '../app.js';

const NOW = '2026-06-15T12:00:00.000Z';
const epoch = (iso: string) => Date.parse(iso) / 1000;

/** RFC 7662 token introspection at POST /oauth/introspect (docs/forward-auth.md). */
describe.each(TEST_DIALECTS)('token introspection (%s)', (dialect) => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    admin = (await makePat(h, h.root, { scopes: ['read_api'] })).token;
  });
  afterAll(() => h.close());

  /** A form-encoded introspection request (RFC 7662 §2.1), as the caller `as` (a token) or anonymously. */
  const introspect = (token: string, options: { as?: string | null; headers?: Record<string, string> } = {}) => {
    const caller = options.as === undefined ? admin : options.as;
    return h.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(caller === null ? {} : { authorization: `Bearer ${caller}` }), ...options.headers },
      payload: new URLSearchParams({ token }).toString(),
    }) as Promise<Response>;
  };

  describe('an active token: RFC 7662 §2.2 members', () => {
    it('a personal access token: active, scope (space-separated), exp, iat, sub, username, token_type, jti', async () => {
      const user = await makeUser(h, { username: 'ivy' });
      const pat = await makePat(h, user, { scopes: ['read_api', 'read_repository'], expiresAt: '2026-07-01' });
      const res = await introspect(pat.token);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json()).toEqual({
        active: true,
        scope: 'read_api read_repository',
        // The token stops working at 00:00 UTC on its expiry date (T11).
        exp: epoch('2026-07-01T00:00:00Z'),
        iat: epoch(NOW),
        sub: String(user.id),
        username: 'ivy',
        token_type: 'Bearer',
        jti: String(pat.id),
      });
    });

    it('a token that never expires has no exp (RFC 7662: exp is optional)', async () => {
      expect((await updateSettings(h.ctx, { require_personal_access_token_expiry: false })).ok).toBe(true);
      try {
        const forever = await makePat(h, h.root, { scopes: ['api'] });
        const body = (await introspect(forever.token)).json();
        expect(body).toMatchObject({ active: true, username: 'root', jti: String(forever.id) });
        expect(body).not.toHaveProperty('exp');
      } finally {
        await updateSettings(h.ctx, { require_personal_access_token_expiry: true });
      }
    });

    it("a group access token names its group's full path and its role; a project access token its project's", async () => {
      const owner = await makeUser(h);
      const top = await makeGroup(h, owner, { path: 'acme' });
      const platform = await makeGroup(h, owner, { path: 'platform', parent: top });
      const project = await makeProject(h, platform, { path: 'api' });
      const groupToken = await makeGroupToken(h, platform, { scopes: ['api'], level: AccessLevel.DEVELOPER });
      expect((await introspect(groupToken.token)).json()).toMatchObject({
        active: true,
        sub: String(groupToken.bot.id),
        username: groupToken.bot.username,
        group: 'acme/platform',
        access_level: 30,
      });
      const projectToken = await makeProjectToken(h, project, { scopes: ['read_api'], level: AccessLevel.REPORTER });
      const body = (await introspect(projectToken.token)).json();
      expect(body).toMatchObject({ active: true, project: 'acme/platform/api', access_level: 20 });
      expect(body).not.toHaveProperty('group');
    });
  });

  describe('{"active": false} and nothing else, for every token that cannot be used (RFC 7662 §2.2)', () => {
    it('unknown, malformed, empty, expired, revoked, of a blocked user: HTTP 200, never saying why', async () => {
      const user = await makeUser(h);
      await setRole(h, { group: await makeGroup(h, user) }, user, AccessLevel.OWNER);
      const expiring = await makePat(h, user, { expiresAt: '2026-06-16' });
      const revoked = await makePat(h, user);
      expect((await client(h, revoked.token).delete('/api/v4/personal_access_tokens/self')).statusCode).toBe(204);
      const blockedUser = await makeUser(h);
      const blocked = await makePat(h, blockedUser);
      await updateUser(h.ctx.database.db, blockedUser.id, { state: 'blocked' });

      const inactive = ['glpat-unknownunknownunknown', 'not a token', '', 'x'.repeat(5000), revoked.token, blocked.token];
      const now = h.clock.now();
      for (const token of inactive) {
        const res = await introspect(token);
        expect(res.statusCode, token.slice(0, 30)).toBe(200);
        expect(res.json(), token.slice(0, 30)).toEqual({ active: false });
      }
      expect((await introspect(expiring.token)).json()).toMatchObject({ active: true });
      h.clock.set(new Date('2026-06-16T00:00:00.000Z'));
      try {
        expect((await introspect(expiring.token)).json()).toEqual({ active: false });
      } finally {
        h.clock.set(now);
      }
    });
  });

  it('counts the introspected tokens in tollgate_authentications_total{via="introspection"}', async () => {
    const count = async () => {
      const body = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      const lines = body.split('\n').filter((line) => line.startsWith('tollgate_authentications_total{') && line.includes('via="introspection"'));
      return Object.fromEntries(lines.map((line) => [/outcome="(\w+)"/.exec(line)![1], Number(line.split(' ').pop())]));
    };
    const before = await count();
    await introspect((await makePat(h, await makeUser(h))).token);
    await introspect('glpat-unknownunknownunknown');
    await introspect('glpat-unknownunknownunknown');
    const after = await count();
    expect((after.ok ?? 0) - (before.ok ?? 0)).toBe(1);
    expect((after.unknown ?? 0) - (before.unknown ?? 0)).toBe(2);
  });

  describe('the caller: an administrator, authenticated as for the API', () => {
    it("no credentials: 401; an unusable caller token: 401; a non-administrator: 403 (GitLab's shapes)", async () => {
      const someone = await makePat(h, await makeUser(h), { scopes: ['api'] });
      const anonymous = await introspect(someone.token, { as: null });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toEqual({ message: '401 Unauthorized' });
      expect(anonymous.headers['cache-control']).toBe('no-store');
      expect((await introspect(someone.token, { as: 'glpat-unknownunknownunknown' })).statusCode).toBe(401);
      const notAdmin = await introspect(someone.token, { as: someone.token });
      expect(notAdmin.statusCode).toBe(403);
      expect(notAdmin.json()).toEqual({ message: '403 Forbidden' });
    });

    it("PRIVATE-TOKEN or Bearer; the administrator's token needs read_api or api", async () => {
      const target = await makePat(h, await makeUser(h));
      const viaHeader = await introspect(target.token, { as: null, headers: { 'private-token': admin } });
      expect(viaHeader.json()).toMatchObject({ active: true, jti: String(target.id) });
      const registryOnly = await makePat(h, h.root, { scopes: ['read_registry'] });
      const refused = await introspect(target.token, { as: registryOnly.token });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'insufficient_scope' });
    });

    it("the token is required, and a NUL byte is refused before any lookup (GitLab's HandleNullBytes): 400 in Grape's words", async () => {
      const res = await h.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization: `Bearer ${admin}` } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'token is missing' });
      const nul = await introspect('glpat-\u0000');
      expect(nul.statusCode).toBe(400);
      expect(nul.json()).toEqual({ error: 'token is invalid' });
    });
  });

  describe('an introspection is not a use of the introspected token', () => {
    const lastUsed = (id: number) => h.ctx.database.db.selectFrom('personal_access_tokens').select(['last_used_at', 'last_used_ips']).where('id', '=', id).executeTakeFirstOrThrow();

    it("leaves its last_used_at and IPs alone; the administrator's own use is recorded", async () => {
      const caller = await makePat(h, h.root, { scopes: ['api'] });
      const target = await makePat(h, await makeUser(h));
      expect((await introspect(target.token, { as: caller.token })).json()).toMatchObject({ active: true });
      await h.ctx.tokenUsage.flush();
      expect(await lastUsed(target.id)).toEqual({ last_used_at: null, last_used_ips: '[]' });
      expect((await lastUsed(caller.id)).last_used_at).toBe(NOW);
    });

    it('never logs the token value, even at debug level', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const logged = await buildApp({ ctx: h.ctx, logger: { ...loggerOptions('debug'), stream } });
      try {
        const target = await makePat(h, await makeUser(h));
        const form = new URLSearchParams({ token: target.token }).toString();
        const answers = await Promise.all([
          logged.inject({ method: 'POST', url: '/oauth/introspect', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: form }),
          logged.inject({ method: 'POST', url: `/oauth/introspect?${form}`, headers: { authorization: `Bearer ${admin}` } }),
          logged.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: target.token }) }),
        ]);
        expect(answers.map((res) => res.statusCode)).toEqual([200, 400, 401]);
        expect(lines.length).toBeGreaterThan(0);
        const text = lines.join('');
        expect(text).not.toContain(target.token);
        expect(text).not.toContain(admin);
      } finally {
        await logged.close();
      }
    });
  });
});
