import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../../../test/support/factories.js';
import { makeGroupToken, makeProjectToken } from '../../../test/support/git-factories.js';
import { createHarness, type Harness, type Response } from '../../../test/support/harness.js';
import { GIT_MESSAGES } from '../../domain/git-access.js';
import { libtrustKeyId } from '../../domain/libtrust.js';
import { consoleCallerAs } from '../../services/caller.js';
import { isIpBanned } from '../../services/failed-auth-ban.js';
import { revokeResourceAccessToken, rotateResourceAccessToken } from '../../services/resource-access-tokens.js';
import { updateSettings } from '../../services/settings.js';
import { registryCertificatePath } from '../../store/registry-signing-key.js';
import { findTokenById } from '../../store/repositories/tokens.js';
import { updateUser } from '../../store/repositories/users.js';
import type { GroupRow, ProjectRow } from '../../store/schema.js';

/**
 * `GET /jwt/auth`, GitLab's container registry token endpoint (INTEGRATIONS.md §2–§4), as docker
 * and skopeo call it. The real registry and skopeo in front of it: test/registry/.
 */

const basic = (token: string, username = 'docker-user') => `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
const DENIED = { errors: [{ code: 'DENIED', message: 'access forbidden' }] };

describe.each(TEST_DIALECTS)('GET /jwt/auth (%s)', (dialect) => {
  let h: Harness;
  let group: GroupRow;
  let privateProject: ProjectRow;
  let otherGroup: GroupRow;
  let otherProject: ProjectRow;
  /** A group token with read_registry + write_registry at Developer. */
  let writer: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { config: { registryUrl: 'https://registry.test' } });
    const owner = await makeUser(h);
    group = await makeGroup(h, owner, { path: 'acme', visibility: 'public' });
    privateProject = await makeProject(h, group, { path: 'app', visibility: 'private' });
    await makeProject(h, group, { path: 'site', visibility: 'public' });
    otherGroup = await makeGroup(h, owner, { path: 'other' });
    otherProject = await makeProject(h, otherGroup, { path: 'secret', visibility: 'private' });
    writer = (await makeGroupToken(h, group, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.DEVELOPER })).token;
  });
  afterAll(() => h.close());

  const ask = (query: string, options: { authorization?: string; ip?: string; method?: 'GET' | 'POST' } = {}) =>
    h.app.inject({
      method: options.method ?? 'GET',
      url: `/jwt/auth?${query}`,
      headers: options.authorization ? { authorization: options.authorization } : {},
      ...(options.ip ? { remoteAddress: options.ip } : {}),
    }) as Promise<Response>;
  const scopeQuery = (...scopes: string[]) => ['service=container_registry', ...scopes.map((s) => `scope=${encodeURIComponent(s)}`)].join('&');
  const accessOf = (res: Response) => {
    expect(res.statusCode, res.body).toBe(200);
    return decodeJwt(res.json().token).access as { type: string; name: string; actions: string[] }[];
  };
  const actionsOf = async (token: string | null, scope: string) => {
    const access = accessOf(await ask(scopeQuery(scope), token === null ? {} : { authorization: basic(token) }));
    return access.flatMap((entry) => entry.actions);
  };

  describe('200: the token', () => {
    it('§2 answers token, access_token (the same), expires_in 300 and issued_at; never cached', async () => {
      const res = await ask(`${scopeQuery('repository:acme/app:pull,push')}&account=docker-user&client_id=docker`, { authorization: basic(writer) });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body)).toEqual(['token', 'access_token', 'expires_in', 'issued_at']);
      expect(body.access_token).toBe(body.token);
      expect(body.expires_in).toBe(300);
      expect(body.issued_at).toBe('2026-06-15T12:00:00.000Z');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('§4 RS256 with the libtrust kid and the x5c of the certificate in rootcertbundle; signed by its key', async () => {
      const { token } = (await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer) })).json();
      const certificate = new X509Certificate(readFileSync(registryCertificatePath(h.ctx.config.dataDir)));
      const header = decodeProtectedHeader(token);
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: libtrustKeyId(certificate.publicKey.export({ type: 'spki', format: 'der' })), x5c: [certificate.raw.toString('base64')] });
      const { payload } = await jwtVerify(token, createPublicKey(certificate.publicKey.export({ type: 'spki', format: 'pem' })), {
        issuer: 'tollgate',
        audience: 'container_registry',
        currentDate: h.clock.now(),
      });
      expect(payload.sub).toMatch(/^group_\d+_bot_/);
    });

    it('§4 claims: iss, aud a string (distribution 2.8), sub, jti, integer iat, nbf = iat − 5, exp = iat + 5 minutes', async () => {
      const claims = decodeJwt((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer) })).json().token);
      const now = Math.floor(h.clock.now().getTime() / 1000);
      expect(claims).toMatchObject({ iss: 'tollgate', aud: 'container_registry', iat: now, nbf: now - 5, exp: now + 300, auth_type: 'personal_access_token' });
      expect(typeof claims.aud).toBe('string');
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      for (const time of [claims.iat, claims.nbf, claims.exp]) expect(Number.isInteger(time)).toBe(true);
    });

    it("§4 the lifetime is GitLab's container_registry_token_expire_delay setting, in minutes", async () => {
      await updateSettings(h.ctx, { container_registry_token_expire_delay: 15 });
      try {
        const res = await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer) });
        const claims = decodeJwt(res.json().token);
        expect(res.json().expires_in).toBe(900);
        expect(claims.exp! - claims.iat!).toBe(900);
      } finally {
        await updateSettings(h.ctx, { container_registry_token_expire_delay: 5 });
      }
    });

    it('§3 the access claim holds the granted actions, the lower-cased name and GitLab\'s meta', async () => {
      expect(accessOf(await ask(scopeQuery('repository:ACME/App/Web:pull,push'), { authorization: basic(writer) }))).toEqual([
        { type: 'repository', name: 'acme/app/web', actions: ['pull', 'push'], meta: { project_path: 'acme/app', project_id: privateProject.id, root_namespace_id: group.id } },
      ]);
    });

    it('§2 scope is repeatable and space-separated: every one is granted on its own', async () => {
      const query = `service=container_registry&scope=${encodeURIComponent('repository:acme/app:pull repository:acme/site:pull')}&scope=${encodeURIComponent('repository:acme/app/db:push')}`;
      const access = accessOf(await ask(query, { authorization: basic(writer) }));
      expect(access.map((a) => [a.name, a.actions])).toEqual([
        ['acme/app', ['pull']],
        ['acme/site', ['pull']],
        ['acme/app/db', ['push']],
      ]);
    });

    it('§3 docker login: valid credentials and no scope at all give a token with an empty access', async () => {
      expect(accessOf(await ask('service=container_registry&account=docker-user', { authorization: basic(writer) }))).toEqual([]);
    });

    it('§3 what is not granted is left out: another group\'s private project, an unknown project, a bad name', async () => {
      const access = accessOf(await ask(scopeQuery('repository:other/secret:pull', 'repository:acme/nope:pull', 'repository:acme:pull', 'repository:acme/app:pull'), { authorization: basic(writer) }));
      expect(access.map((a) => a.name)).toEqual(['acme/app']);
    });

    it('§3.1 a read_registry token pulls; its push is left out', async () => {
      const reader = (await makeGroupToken(h, group, { scopes: ['read_registry'], level: AccessLevel.MAINTAINER })).token;
      expect(await actionsOf(reader, 'repository:acme/app:pull,push')).toEqual(['pull']);
    });

    it('§3.1 MR !143657: a write_registry-only token gets push without pull, which the registry refuses for every upload', async () => {
      const writeOnly = (await makeGroupToken(h, group, { scopes: ['write_registry'], level: AccessLevel.DEVELOPER })).token;
      expect(await actionsOf(writeOnly, 'repository:acme/app:pull,push')).toEqual(['push']);
    });

    it('§3.2 a Reporter\'s read_registry + write_registry token may pull but not push', async () => {
      const reporter = (await makeGroupToken(h, group, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.REPORTER })).token;
      expect(await actionsOf(reporter, 'repository:acme/app:pull,push')).toEqual(['pull']);
    });

    it('§3.1 §3.2 delete and * need api and Maintainer', async () => {
      const developerApi = (await makeGroupToken(h, group, { scopes: ['api'], level: AccessLevel.DEVELOPER })).token;
      const maintainerApi = (await makeGroupToken(h, group, { scopes: ['api'], level: AccessLevel.MAINTAINER })).token;
      expect(await actionsOf(developerApi, 'repository:acme/app:pull,push,delete,*')).toEqual(['pull', 'push']);
      expect(await actionsOf(maintainerApi, 'repository:acme/app:pull,push,delete,*')).toEqual(['pull', 'push', 'delete', '*']);
    });

    it('§3.2 personal access tokens follow their user\'s roles; project access tokens reach their project only', async () => {
      const member = await makeUser(h);
      await setRole(h, { project: privateProject }, member, AccessLevel.REPORTER);
      const personal = (await makePat(h, member, { scopes: ['read_registry'] })).token;
      expect(await actionsOf(personal, 'repository:acme/app:pull')).toEqual(['pull']);
      const projectToken = (await makeProjectToken(h, privateProject, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.DEVELOPER })).token;
      expect(await actionsOf(projectToken, 'repository:acme/app/img:pull,push')).toEqual(['pull', 'push']);
      expect(await actionsOf(projectToken, 'repository:other/secret:pull')).toEqual([]);
    });

    it('§3 registry:catalog:* for administrators only', async () => {
      const adminToken = (await makePat(h, await makeUser(h, { admin: true }), { scopes: ['read_registry'] })).token;
      expect(accessOf(await ask(scopeQuery('registry:catalog:*'), { authorization: basic(adminToken) }))).toEqual([{ type: 'registry', name: 'catalog', actions: ['*'] }]);
      expect(accessOf(await ask(scopeQuery('registry:catalog:*'), { authorization: basic(writer) }))).toEqual([]);
    });

    it('§3.2 anonymous callers pull public projects: no sub, auth_type none', async () => {
      const res = await ask(scopeQuery('repository:acme/site:pull,push'));
      expect(accessOf(res).map((a) => a.actions)).toEqual([['pull']]);
      const claims = decodeJwt(res.json().token);
      expect(claims.sub).toBeUndefined();
      expect(claims.auth_type).toBe('none');
    });

    it('§3.7 a successful authentication records the token\'s use, as Git over HTTP does', async () => {
      const { token, id } = await makeGroupToken(h, group, { scopes: ['read_registry'] });
      expect((await findTokenById(h.ctx.database.db, id))!.last_used_at).toBeNull();
      expect((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(token) })).statusCode).toBe(200);
      await h.ctx.tokenUsage.flush();
      expect((await findTokenById(h.ctx.database.db, id))!.last_used_at).toBe(h.clock.now().toISOString());
    });
  });

  describe('metrics', () => {
    it('token authentications are counted with via="registry"', async () => {
      const counted = async (outcome: string) => {
        const body = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
        return Number(new RegExp(`tollgate_authentications_total\\{outcome="${outcome}",via="registry"\\} (\\d+)`).exec(body)?.[1] ?? 0);
      };
      const [ok, unknown] = [await counted('ok'), await counted('unknown')];
      expect((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer) })).statusCode).toBe(200);
      expect((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic('glpat-nope'), ip: '198.51.100.9' })).statusCode).toBe(401);
      expect(await counted('ok')).toBe(ok + 1);
      expect(await counted('unknown')).toBe(unknown + 1);
    });
  });

  describe('401: credentials refused', () => {
    const expectUnauthorized = (res: Response) => {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: GIT_MESSAGES.accessDenied }] });
      expect(res.json().errors[0].message).toMatch(/^HTTP Basic: Access denied\. /);
    };

    it('§2 unknown, expired, revoked and rotated-away tokens, a blank username or password', async () => {
      const expired = await makeGroupToken(h, group, { scopes: ['read_registry'], expiresAt: '2026-06-15' });
      const revoked = await makeGroupToken(h, group, { scopes: ['read_registry'] });
      const root = consoleCallerAs(h.root);
      const resource = { kind: 'group' as const, ref: String(group.id) };
      expect((await revokeResourceAccessToken(h.ctx, root, resource, revoked.id)).ok).toBe(true);
      const rotatedAway = await makeGroupToken(h, group, { scopes: ['read_registry'] });
      const rotated = await rotateResourceAccessToken(h.ctx, root, resource, rotatedAway.id, undefined);
      expect(rotated.ok).toBe(true);
      const ip = '198.51.100.1';
      for (const token of [expired.token, revoked.token, rotatedAway.token, 'glpat-not-a-token']) {
        expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(token), ip }));
      }
      expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer, ' '), ip }));
      expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(''), ip }));
      expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: 'Basic !!!', ip }));
      // The successor works.
      if (rotated.ok) expect(await actionsOf(rotated.value.plaintext, 'repository:acme/app:pull')).toEqual(['pull']);
    });

    it('§2 bad credentials are a 401 whatever the service (authentication comes first)', async () => {
      expectUnauthorized(await ask('service=other&scope=repository:acme/app:pull', { authorization: basic('glpat-nope'), ip: '198.51.100.2' }));
    });

    it('§2 failures count towards the Git IP ban (GitLab IpRateLimiter); a banned IP is refused, other IPs are not', async () => {
      await updateSettings(h.ctx, { failed_auth_ban_max_attempts: 2 });
      try {
        const ip = '198.51.100.3';
        expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic('glpat-nope'), ip }));
        expect(await isIpBanned(h.ctx, ip)).toBe(false);
        expectUnauthorized(await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic('glpat-nope'), ip }));
        expect(await isIpBanned(h.ctx, ip)).toBe(true);
        const banned = await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer), ip });
        expect(banned.statusCode).toBe(403);
        expect(banned.json()).toEqual({ errors: [{ code: 'DENIED', message: GIT_MESSAGES.ipBanned }] });
        expect((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer), ip: '198.51.100.4' })).statusCode).toBe(200);
      } finally {
        await updateSettings(h.ctx, { failed_auth_ban_max_attempts: 30 });
      }
    });
  });

  describe('403: nothing the caller may have', () => {
    it('§3 step 2: a token without any registry scope (read_repository only) is refused before any scope is looked at', async () => {
      const gitOnly = (await makeGroupToken(h, group, { scopes: ['read_repository', 'write_repository'], level: AccessLevel.OWNER })).token;
      for (const query of [scopeQuery('repository:acme/app:pull'), 'service=container_registry']) {
        const res = await ask(query, { authorization: basic(gitOnly) });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual(DENIED);
      }
    });

    it('§3 step 3: an anonymous caller granted nothing (no scope, a private or unknown project, a push) is refused', async () => {
      for (const query of ['service=container_registry', scopeQuery('repository:acme/app:pull'), scopeQuery('repository:acme/nope:pull'), scopeQuery('repository:acme/site:push')]) {
        const res = await ask(query);
        expect(res.statusCode, query).toBe(403);
        expect(res.json()).toEqual(DENIED);
      }
    });

    it("a blocked user's token: 403 in Git's words", async () => {
      const blocked = await makeUser(h);
      await setRole(h, { group }, blocked, AccessLevel.DEVELOPER);
      const { token } = await makePat(h, blocked, { scopes: ['read_registry'] });
      await updateUser(h.ctx.database.db, blocked.id, { state: 'blocked' });
      const res = await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(token) });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ errors: [{ code: 'DENIED', message: GIT_MESSAGES.accountBlocked }] });
    });

    it('§3 step 3: a signed-in caller granted nothing gets a token with an empty access instead', async () => {
      expect(accessOf(await ask(scopeQuery(`repository:${otherGroup.path}/${otherProject.path}:pull`), { authorization: basic(writer) }))).toEqual([]);
    });
  });

  describe('404 and 400', () => {
    it('§2 a service other than container_registry (or none): 404 with an empty body, after authentication', async () => {
      for (const query of ['service=dependency_proxy&scope=repository:acme/app:pull', 'scope=repository:acme/app:pull']) {
        const res = await ask(query, { authorization: basic(writer) });
        expect(res.statusCode).toBe(404);
        expect(res.body).toBe('');
      }
    });

    it('§2 POST /jwt/auth is not a route: 404', async () => {
      expect((await ask(scopeQuery('repository:acme/app:pull'), { authorization: basic(writer), method: 'POST' })).statusCode).toBe(404);
    });

    it('more scopes than any client asks for: 400, nothing looked up', async () => {
      const many = Array.from({ length: 33 }, (_, i) => `repository:acme/app${i}:pull`).join(' ');
      const res = await ask(`service=container_registry&scope=${encodeURIComponent(many)}`, { authorization: basic(writer) });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'scope has more than 32 values' });
    });
  });
});

describe('GET /jwt/auth without TOLLGATE_REGISTRY_URL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('§3 step 1: 404 UNAVAILABLE "registry not enabled", credentials or not', async () => {
    const { token } = await makePat(h, h.root, { scopes: ['api'] });
    for (const headers of [{}, { authorization: basic(token) }, { authorization: basic('glpat-nope') }]) {
      const res = await h.app.inject({ method: 'GET', url: '/jwt/auth?service=container_registry&scope=repository:a/b:pull', headers });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ errors: [{ code: 'UNAVAILABLE', message: 'registry not enabled' }] });
    }
  });
});
