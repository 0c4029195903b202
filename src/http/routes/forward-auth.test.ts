import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../../../test/support/factories.js';
import { makeGroupToken, makeProjectToken } from '../../../test/support/git-factories.js';
import { client, createHarness, type Harness, type Response } from '../../../test/support/harness.js';
import { GIT_MESSAGES } from '../../domain/git-access.js';
import { updateSettings } from '../../services/settings.js';
import { updateUser } from '../../store/repositories/users.js';
import type { GroupRow, ProjectRow, UserRow } from '../../store/schema.js';

/**
 * `/-/forward-auth` as a reverse proxy calls it (docs/forward-auth.md): only 200, 401 and 403 on
 * the decision path (INTEGRATIONS.md §6.1), 400 for the operator's mistakes. nginx itself in front
 * of it: test/forward-auth/nginx.test.ts.
 */
describe.each(TEST_DIALECTS)('forward auth (%s)', (dialect) => {
  let h: Harness;
  let top: GroupRow;
  let platform: GroupRow;
  let project: ProjectRow;
  let other: GroupRow;
  /** Reporter of the top-level group only: inherited into the subgroup and its project. */
  let reporter: UserRow;
  let reporterToken: { token: string; id: number };
  /** Developer of the project only. */
  let developer: UserRow;
  let developerToken: string;

  beforeAll(async () => {
    h = await createHarness(dialect);
    const owner = await makeUser(h);
    top = await makeGroup(h, owner, { path: 'acme' });
    platform = await makeGroup(h, owner, { path: 'platform', parent: top });
    project = await makeProject(h, platform, { path: 'api' });
    other = await makeGroup(h, owner, { path: 'other' });
    reporter = await makeUser(h, { username: 'rita' });
    await setRole(h, { group: top }, reporter, AccessLevel.REPORTER);
    reporterToken = await makePat(h, reporter, { scopes: ['read_api'] });
    developer = await makeUser(h, { username: 'dev' });
    await setRole(h, { project }, developer, AccessLevel.DEVELOPER);
    developerToken = (await makePat(h, developer, { scopes: ['api'] })).token;
  });
  afterAll(() => h.close());

  const ask = (query: string, options: { token?: string; method?: InjectOptions['method']; headers?: Record<string, string>; ip?: string; payload?: string } = {}) =>
    h.app.inject({
      method: options.method ?? 'GET',
      url: `/-/forward-auth?${query}`,
      headers: { ...(options.token === undefined ? {} : { 'private-token': options.token }), ...options.headers },
      ...(options.ip ? { remoteAddress: options.ip } : {}),
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    }) as Promise<Response>;

  const identity = (res: Response) =>
    Object.fromEntries(Object.entries(res.headers).filter(([name]) => name.startsWith('x-tollgate-') && name !== 'x-tollgate-error-code'));

  describe('allowed', () => {
    it('200 with an empty body, the identity headers and Cache-Control: no-store', async () => {
      const res = await ask('group=acme/platform', { token: reporterToken.token });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect(identity(res)).toEqual({
        'x-tollgate-user-id': String(reporter.id),
        'x-tollgate-username': 'rita',
        'x-tollgate-token-id': String(reporterToken.id),
        'x-tollgate-scopes': 'read_api',
        'x-tollgate-access-level': '20',
      });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('the token in PRIVATE-TOKEN, Authorization: Bearer, or Basic with the token as password (any username)', async () => {
      const { token } = reporterToken;
      const basic = (user: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
      const ways: Record<string, string>[] = [{ 'private-token': token }, { authorization: `Bearer ${token}` }, { authorization: basic('anything') }, { authorization: basic('') }];
      for (const headers of ways) {
        const res = await ask('group=acme', { headers });
        expect(res.statusCode, JSON.stringify(Object.keys(headers))).toBe(200);
        expect(res.headers['x-tollgate-username']).toBe('rita');
      }
    });

    it('roles are inherited down the hierarchy, as the API computes them (members/all)', async () => {
      for (const query of ['group=acme', 'group=acme/platform', 'project=acme/platform/api', 'project=ACME/Platform/API']) {
        const res = await ask(query, { token: reporterToken.token });
        expect(res.statusCode, query).toBe(200);
        expect(res.headers['x-tollgate-access-level'], query).toBe('20');
      }
      // A higher role lower down wins there, and only there.
      const writer = await makeUser(h);
      await setRole(h, { group: top }, writer, AccessLevel.GUEST);
      await setRole(h, { group: platform }, writer, AccessLevel.MAINTAINER);
      const { token } = await makePat(h, writer, { scopes: ['api'] });
      expect((await ask('project=acme/platform/api', { token, method: 'DELETE' })).headers['x-tollgate-access-level']).toBe('40');
      expect((await ask('group=acme', { token })).statusCode).toBe(403);
      expect((await ask('group=acme', { token, headers: { 'x-original-method': 'GET' }, method: 'GET' })).statusCode).toBe(403);
      expect((await ask('group=acme&min_access_level=10', { token })).headers['x-tollgate-access-level']).toBe('10');
    });

    it('a group access token: its bot is a member of its group, and through it of what lies below', async () => {
      const groupToken = await makeGroupToken(h, platform, { scopes: ['api'], level: AccessLevel.DEVELOPER });
      const res = await ask('project=acme/platform/api', { token: groupToken.token, headers: { 'x-original-method': 'POST' } });
      expect(res.statusCode).toBe(200);
      expect(identity(res)).toMatchObject({ 'x-tollgate-user-id': String(groupToken.bot.id), 'x-tollgate-username': groupToken.bot.username, 'x-tollgate-access-level': '30' });
      expect((await ask('group=acme', { token: groupToken.token })).statusCode).toBe(403);
      const projectToken = await makeProjectToken(h, project, { scopes: ['read_api'], level: AccessLevel.REPORTER });
      expect((await ask('project=acme/platform/api', { token: projectToken.token })).statusCode).toBe(200);
      expect((await ask('group=acme/platform', { token: projectToken.token })).statusCode).toBe(403);
    });

    it("an administrator's token passes everywhere as Owner (scopes still apply)", async () => {
      const { token } = await makePat(h, h.root, { scopes: ['api'] });
      const res = await ask(`group=${other.full_path}&min_access_level=50`, { token, method: 'POST' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-tollgate-access-level']).toBe('50');
    });

    it("records the token's use as an API request does (last_used_at, after the response)", async () => {
      const { token, id } = await makePat(h, reporter, { scopes: ['read_api'] });
      expect((await ask('group=acme', { token, ip: '192.0.2.44' })).statusCode).toBe(200);
      await h.ctx.tokenUsage.flush();
      const row = await h.ctx.database.db.selectFrom('personal_access_tokens').select(['last_used_at', 'last_used_ips']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.last_used_at).toBe(h.clock.now().toISOString());
      expect(row.last_used_ips).toContain('192.0.2.44');
    });
  });

  describe('the original method: reads by default need read_api or api and Reporter, writes api and Developer', () => {
    it('the stricter of X-Forwarded-Method and X-Original-Method: a client cannot forge a read behind nginx or Traefik', async () => {
      const { token } = reporterToken;
      expect((await ask('group=acme', { token, headers: { 'x-original-method': 'GET', 'x-forwarded-method': 'GET' } })).statusCode).toBe(200);
      const writes: Record<string, string>[] = [
        { 'x-original-method': 'POST' },
        { 'x-forwarded-method': 'PUT' },
        { 'x-original-method': 'POST', 'x-forwarded-method': 'GET' },
        { 'x-original-method': 'GET', 'x-forwarded-method': 'DELETE' },
      ];
      for (const headers of writes) {
        const res = await ask('group=acme', { token, headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(403);
        expect(res.json(), JSON.stringify(headers)).toMatchObject({ error: 'insufficient_scope', scope: 'api' });
      }
    });

    it('without either header, the request\'s own method; HEAD and OPTIONS read', async () => {
      expect((await ask('group=acme', { token: reporterToken.token, method: 'POST' })).statusCode).toBe(403);
      expect((await ask('group=acme', { token: reporterToken.token, method: 'HEAD' })).statusCode).toBe(200);
      expect((await ask('group=acme', { token: reporterToken.token, method: 'OPTIONS' })).statusCode).toBe(200);
      expect((await ask('group=acme', { token: reporterToken.token, method: 'GET', headers: { 'x-original-method': 'OPTIONS' } })).statusCode).toBe(200);
    });

    it('a write needs Developer by default: an api token of a Reporter is refused, of a Developer allowed', async () => {
      const { token } = await makePat(h, reporter, { scopes: ['api'] });
      expect((await ask('project=acme/platform/api', { token, headers: { 'x-original-method': 'PATCH' } })).statusCode).toBe(403);
      expect((await ask('project=acme/platform/api', { token, headers: { 'x-original-method': 'GET' } })).statusCode).toBe(200);
      expect((await ask('project=acme/platform/api', { token: developerToken, headers: { 'x-original-method': 'PATCH' } })).headers['x-tollgate-access-level']).toBe('30');
    });

    it('any method asks, with any body, never read: the decision is the same', async () => {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        const res = await ask('project=acme/platform/api', { token: developerToken, method, payload: '{not json', headers: { 'content-type': 'application/json', 'x-original-method': 'POST' } });
        expect(res.statusCode, method).toBe(200);
      }
      const noType = await ask('project=acme/platform/api', { token: developerToken, method: 'POST', payload: 'x'.repeat(100_000) });
      expect(noType.statusCode).toBe(200);
    });
  });

  describe('scopes', () => {
    it('`scope=` (repeatable) replaces the default: the token needs one of them; the 403 names them (RFC 6750 insufficient_scope)', async () => {
      const registry = await makePat(h, reporter, { scopes: ['read_registry'] });
      expect((await ask('group=acme', { token: registry.token })).statusCode).toBe(403);
      expect((await ask('group=acme&scope=read_registry', { token: registry.token })).statusCode).toBe(200);
      expect((await ask('group=acme&scope=write_registry&scope=read_registry', { token: registry.token })).statusCode).toBe(200);
      const refused = await ask('group=acme&scope=write_registry&scope=api', { token: registry.token });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'write_registry api',
      });
      expect(refused.headers['x-tollgate-error-code']).toBe('insufficient_scope');
      // An api token is refused too when the operator asks for something else.
      expect((await ask('group=acme&scope=read_registry', { token: developerToken })).statusCode).toBe(403);
    });

    it('GitLab accepts api wherever read_api suffices (§3.3): an api token reads by default', async () => {
      expect((await ask('project=acme/platform/api', { token: developerToken })).statusCode).toBe(200);
    });
  });

  describe('401: no usable token, with exactly one WWW-Authenticate line', () => {
    const challengeOf = (res: Response) => {
      const header = res.headers['www-authenticate'];
      expect(typeof header, 'a single WWW-Authenticate line').toBe('string');
      return header;
    };

    it('no token: Bearer realm="Tollgate" without an error code (RFC 6750 §3.1)', async () => {
      const res = await ask('group=acme');
      expect(res.statusCode).toBe(401);
      expect(challengeOf(res)).toBe('Bearer realm="Tollgate"');
      expect(res.json()).toEqual({ message: '401 Unauthorized' });
      expect(res.headers['cache-control']).toBe('no-store');
      // Another scheme is no credentials at all.
      expect(challengeOf(await ask('group=acme', { headers: { authorization: 'Digest username="x"' } }))).toBe('Bearer realm="Tollgate"');
    });

    it('an unknown or malformed token: error="invalid_token"', async () => {
      const unusable: Record<string, string>[] = [{ 'private-token': 'glpat-unknownunknownunknown' }, { authorization: 'Bearer nonsense' }, { authorization: 'Basic !!!' }, { authorization: 'Bearer ' }];
      for (const headers of unusable) {
        const res = await ask('group=acme', { headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(challengeOf(res)).toBe('Bearer realm="Tollgate", error="invalid_token"');
      }
    });

    it('an expired or a revoked token, with the API\'s RFC 6750 bodies; a revoked token on its very next request', async () => {
      const soon = await makePat(h, reporter, { scopes: ['read_api'], expiresAt: '2026-06-16' });
      expect((await ask('group=acme', { token: soon.token })).statusCode).toBe(200);
      const now = h.clock.now();
      h.clock.set(new Date('2026-06-16T00:00:00.000Z'));
      try {
        const expired = await ask('group=acme', { token: soon.token });
        expect(expired.statusCode).toBe(401);
        expect(expired.json()).toEqual({ error: 'invalid_token', error_description: 'Token is expired. You can either do re-authorization or token refresh.' });
        expect(challengeOf(expired)).toBe('Bearer realm="Tollgate", error="invalid_token"');
      } finally {
        h.clock.set(now);
      }

      const doomed = await makePat(h, reporter, { scopes: ['read_api'] });
      expect((await ask('group=acme', { token: doomed.token })).statusCode).toBe(200);
      expect((await client(h, doomed.token).delete('/api/v4/personal_access_tokens/self')).statusCode).toBe(204);
      const revoked = await ask('group=acme', { token: doomed.token });
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json()).toEqual({ error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });
    });

    it('`challenge=basic`: a Basic challenge instead, so browsers and git ask for credentials', async () => {
      expect(challengeOf(await ask('group=acme&challenge=basic'))).toBe('Basic realm="Tollgate"');
      expect(challengeOf(await ask('group=acme&challenge=basic', { token: 'glpat-unknownunknownunknown' }))).toBe('Basic realm="Tollgate"');
    });
  });

  describe('403: the token is fine, the request is not allowed', () => {
    it('another group, a hidden one, an unknown group and an unknown project are one and the same 403, never a 404', async () => {
      const answers = await Promise.all(
        ['group=other', 'group=nope', 'group=acme/nope', 'project=acme/platform/nope', 'project=nope/api'].map((query) => ask(query, { token: developerToken })),
      );
      for (const res of answers) {
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ message: '403 Forbidden' });
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(res.headers['cache-control']).toBe('no-store');
      }
      // The project's Developer is no member of the groups above it.
      expect((await ask('group=acme/platform', { token: developerToken })).statusCode).toBe(403);
    });

    it('seeing a public group is no role in it', async () => {
      await makeGroup(h, reporter, { path: 'open', visibility: 'public' });
      expect((await ask('group=open', { token: developerToken })).statusCode).toBe(403);
      expect((await ask('group=open&min_access_level=10', { token: developerToken })).statusCode).toBe(403);
    });

    it('a role below min_access_level', async () => {
      expect((await ask('group=acme&min_access_level=30', { token: reporterToken.token })).statusCode).toBe(403);
      expect((await ask('group=acme&min_access_level=15', { token: reporterToken.token })).statusCode).toBe(200);
    });

    it('a blocked user: 403 "Your account has been blocked." (GitLab\'s words)', async () => {
      const blocked = await makeUser(h);
      await setRole(h, { group: top }, blocked, AccessLevel.OWNER);
      const { token } = await makePat(h, blocked, { scopes: ['api'] });
      await updateUser(h.ctx.database.db, blocked.id, { state: 'blocked' });
      const res = await ask('group=acme', { token });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden - Your account has been blocked.' });
    });
  });

  describe('400: a query the operator got wrong (nginx shows it as a 500: fail closed)', () => {
    it("neither or both of group and project, an unknown parameter, a bad path, role or scope: Grape's words, before any token is looked at", async () => {
      const cases: [string, unknown][] = [
        ['', { error: 'group, project are missing, exactly one parameter must be provided' }],
        ['scope=api', { error: 'group, project are missing, exactly one parameter must be provided' }],
        ['group=acme&project=acme/platform/api', { error: 'group, project are mutually exclusive' }],
        ['group=acme&min_acess_level=40', { error: 'min_acess_level is invalid' }],
        ['group=acme&group=other', { error: 'group is invalid' }],
        ['group=', { error: 'group is invalid' }],
        ['group=acme/../other', { error: 'group is invalid' }],
        ['group=acme%00', { error: 'group is invalid' }],
        ['group=acme%2Fplatform%20x', { error: 'group is invalid' }],
        ['project=acme', { error: 'project is invalid' }],
        ['group=acme&min_access_level=25', { error: 'min_access_level does not have a valid value' }],
        ['group=acme&scope=everything', { error: 'scope does not have a valid value' }],
        ['group=acme&challenge=digest', { error: 'challenge does not have a valid value' }],
      ];
      for (const [query, body] of cases) {
        for (const token of [undefined, developerToken]) {
          const res = await ask(query, token === undefined ? {} : { token });
          expect(res.statusCode, query).toBe(400);
          expect(res.json(), query).toEqual(body);
          expect(res.headers['cache-control'], query).toBe('no-store');
        }
      }
    });

    it('a full path in any case, with dots, dashes and underscores, is well-formed', async () => {
      expect((await ask('group=Acme/PLATFORM', { token: reporterToken.token })).statusCode).toBe(200);
      expect((await ask('group=a_b.c-d/e', { token: reporterToken.token })).statusCode).toBe(403);
    });
  });

  it('counts token authentications in tollgate_authentications_total{via="forward_auth"}: a refusal for the role was a good token, no token is no authentication', async () => {
    const count = async () => {
      const body = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      const lines = body.split('\n').filter((line) => line.startsWith('tollgate_authentications_total{') && line.includes('via="forward_auth"'));
      return Object.fromEntries(lines.map((line) => [/outcome="(\w+)"/.exec(line)![1], Number(line.split(' ').pop())]));
    };
    const before = await count();
    await ask('group=acme', { token: reporterToken.token });
    await ask('group=other', { token: reporterToken.token });
    await ask('group=acme', { token: reporterToken.token, method: 'POST' });
    await ask('group=acme', { token: 'glpat-unknownunknownunknown' });
    await ask('group=acme');
    const after = await count();
    const delta = (outcome: string) => (after[outcome] ?? 0) - (before[outcome] ?? 0);
    expect({ ok: delta('ok'), insufficient_scope: delta('insufficient_scope'), unknown: delta('unknown') }).toEqual({ ok: 2, insufficient_scope: 1, unknown: 1 });
  });

  describe("failed authentications count towards the API's throttle, not Git's ban (issue 14)", () => {
    beforeAll(async () => {
      const changed = await updateSettings(h.ctx, { api_failed_auth_limit_per_minute: 3 });
      expect(changed.ok).toBe(true);
    });
    afterAll(async () => {
      await updateSettings(h.ctx, { api_failed_auth_limit_per_minute: 100 });
    });

    it('unknown, expired and revoked tokens from one IP hold it back: 429 Retry later until the minute ends, even for a good token never used from there; other IPs are served', async () => {
      const ip = '198.51.100.10';
      for (let i = 0; i < 3; i++) expect((await ask('group=acme', { token: `glpat-wrongwrongwrong${i}`, ip })).statusCode).toBe(401);
      const held = await ask('group=acme', { token: reporterToken.token, ip });
      expect(held.statusCode).toBe(429);
      expect(held.json()).toEqual({ message: 'Retry later' });
      const now = h.clock.now().getTime();
      expect(held.headers['retry-after']).toBe(String(Math.ceil((Math.floor(now / 60_000) * 60_000 + 60_000 - now) / 1000)));
      expect(held.headers['cache-control']).toBe('no-store');
      expect((await ask('group=acme', { token: reporterToken.token, ip: '198.51.100.11' })).statusCode).toBe(200);
    });

    it('the throttle is not the ban: a client held here is not banned from Git', async () => {
      const ip = '198.51.100.12';
      for (let i = 0; i < 3; i++) expect((await ask('group=acme', { headers: { authorization: 'Basic !!!' }, ip })).statusCode).toBe(401);
      expect((await ask('group=acme', { headers: { authorization: 'Basic !!!' }, ip })).statusCode).toBe(429);
      const git = await h.app.inject({ method: 'GET', url: '/acme/platform/api.git/info/refs?service=git-upload-pack', remoteAddress: ip, headers: { authorization: `Basic ${Buffer.from(`x:${developerToken}`).toString('base64')}` } });
      expect(git.statusCode).not.toBe(403);
      expect(git.body).not.toContain(GIT_MESSAGES.ipBanned);
    });

    it('no token is no failure, and neither is a refusal for scope or role', async () => {
      const ip = '198.51.100.13';
      for (let i = 0; i < 5; i++) {
        expect((await ask('group=acme', { ip })).statusCode).toBe(401);
        expect((await ask('group=other', { token: reporterToken.token, ip })).statusCode).toBe(403);
        expect((await ask('group=acme', { token: reporterToken.token, ip, method: 'POST' })).statusCode).toBe(403);
      }
      for (let i = 0; i < 3; i++) expect((await ask('group=acme', { token: 'glpat-wrongwrongwrong', ip })).statusCode).toBe(401);
      expect((await ask('group=acme', { token: 'glpat-wrongwrongwrong', ip })).statusCode).toBe(429);
      // The token that worked from this address a moment ago still does (a CI host with one broken job).
      expect((await ask('group=other', { token: reporterToken.token, ip })).statusCode).toBe(403);
    });
  });
});
