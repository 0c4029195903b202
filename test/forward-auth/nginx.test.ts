import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { client } from '../support/harness.js';
import { startServer, type ServerHarness } from '../support/server.js';
import type { GroupRow } from '../../src/store/schema.js';
import { NGINX, nginxInstalled, send, startEchoUpstream, startNginx, type ClientResponse, type EchoUpstream, type RunningNginx } from './nginx.js';

/**
 * Acceptance, with real parts: nginx's auth_request in front of a protected upstream, asking a
 * listening Tollgate at /-/forward-auth, configured as docs/forward-auth.md tells operators to.
 */
const installed = nginxInstalled();
if (!installed) {
  console.warn(`\n*** SKIPPED the forward-auth acceptance test: nginx is not installed at ${NGINX} (apt-get install nginx; .ci/run installs it). ***\n`);
}

describe.skipIf(!installed)('forward auth behind a real nginx (auth_request)', () => {
  let tollgate: ServerHarness;
  let upstream: EchoUpstream;
  let nginx: RunningNginx;
  let reader: { token: string; id: number; userId: number };
  let developer: string;
  let acme: GroupRow;

  beforeAll(async () => {
    // nginx is the proxy Tollgate believes: its X-Forwarded-For names the client (the failed-authentication throttle).
    tollgate = await startServer('sqlite', { config: { trustedProxies: ['127.0.0.1'] } });
    const owner = await makeUser(tollgate);
    acme = await makeGroup(tollgate, owner, { path: 'acme' });
    await makeProject(tollgate, acme, { path: 'api' });
    await makeGroup(tollgate, owner, { path: 'other' });
    const readerUser = await makeUser(tollgate, { username: 'rita' });
    await setRole(tollgate, { group: acme }, readerUser, AccessLevel.REPORTER);
    const readerToken = await makePat(tollgate, readerUser, { scopes: ['read_api'] });
    reader = { ...readerToken, userId: readerUser.id };
    const developerUser = await makeUser(tollgate);
    await setRole(tollgate, { group: acme }, developerUser, AccessLevel.DEVELOPER);
    developer = (await makePat(tollgate, developerUser, { scopes: ['api'] })).token;

    upstream = await startEchoUpstream();
    nginx = await startNginx(tollgate.url, upstream.url, [
      { prefix: '/acme/', query: 'group=acme' },
      { prefix: '/other/', query: 'group=other' },
      { prefix: '/nowhere/', query: 'group=no-such-group' },
      { prefix: '/deploy/', query: 'project=acme/api&scope=api&min_access_level=40' },
      { prefix: '/registry/', query: 'group=acme&scope=read_registry' },
      { prefix: '/login/', query: 'group=acme&challenge=basic' },
      { prefix: '/broken/', query: 'grp=acme' },
    ]);
  });
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await tollgate?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, localAddress?: string) => send(nginx.url, { path, headers, ...(localAddress ? { localAddress } : {}) });
  const withToken = (token: string, headers: Record<string, string> = {}) => ({ 'private-token': token, ...headers });
  /** A refusal that never reached the protected service. */
  async function refused(request: () => Promise<ClientResponse>, status: 401 | 403 | 500): Promise<ClientResponse> {
    const before = upstream.hits;
    const res = await request();
    expect(res.status).toBe(status);
    expect(upstream.hits, 'the upstream was reached').toBe(before);
    return res;
  }

  it('an allowed token: the upstream receives the identity headers', async () => {
    const res = await get('/acme/dashboard', withToken(reader.token));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      method: 'GET',
      url: '/acme/dashboard',
      identity: {
        'x-tollgate-user-id': String(reader.userId),
        'x-tollgate-username': 'rita',
        'x-tollgate-token-id': String(reader.id),
        'x-tollgate-scopes': 'read_api',
        'x-tollgate-access-level': '20',
      },
    });
    // Bearer and Basic (the token as password) reach it the same way.
    expect((await get('/acme/', { authorization: `Bearer ${reader.token}` })).status).toBe(200);
    expect((await get('/acme/', { authorization: `Basic ${Buffer.from(`me:${reader.token}`).toString('base64')}` })).status).toBe(200);
  });

  it('client-sent X-Tollgate-* headers are stripped: the upstream sees only what Tollgate answered', async () => {
    const forged = {
      'X-Tollgate-User-Id': '1',
      'X-Tollgate-Username': 'root',
      'X-Tollgate-Token-Id': '1',
      'X-Tollgate-Scopes': 'api sudo',
      'X-Tollgate-Access-Level': '50',
    };
    const res = await get('/acme/', withToken(reader.token, forged));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).identity).toEqual({
      'x-tollgate-user-id': String(reader.userId),
      'x-tollgate-username': 'rita',
      'x-tollgate-token-id': String(reader.id),
      'x-tollgate-scopes': 'read_api',
      'x-tollgate-access-level': '20',
    });
    // Without a token, forged headers get nowhere at all.
    await refused(() => get('/acme/', forged), 401);
  });

  it('401 for a missing, unknown, expired or revoked token, with the one WWW-Authenticate line passed through by nginx', async () => {
    expect((await refused(() => get('/acme/'), 401)).challenges).toEqual(['Bearer realm="Tollgate"']);
    expect((await refused(() => get('/acme/', withToken('glpat-unknownunknownunknown')), 401)).challenges).toEqual(['Bearer realm="Tollgate", error="invalid_token"']);

    const expiring = await makePat(tollgate, await userWithRole(), { scopes: ['api'], expiresAt: '2026-06-16' });
    expect((await get('/acme/', withToken(expiring.token))).status).toBe(200);
    const now = tollgate.clock.now();
    tollgate.clock.set(new Date('2026-06-16T00:00:00.000Z'));
    try {
      expect((await refused(() => get('/acme/', withToken(expiring.token)), 401)).challenges).toEqual(['Bearer realm="Tollgate", error="invalid_token"']);
    } finally {
      tollgate.clock.set(now);
    }
  });

  it('a revoked token is refused on its very next request', async () => {
    const token = (await makePat(tollgate, await userWithRole(), { scopes: ['api'] })).token;
    for (let i = 0; i < 3; i++) expect((await get('/acme/', withToken(token))).status).toBe(200);
    expect((await client(tollgate, token).delete('/api/v4/personal_access_tokens/self')).statusCode).toBe(204);
    expect((await refused(() => get('/acme/', withToken(token)), 401)).challenges).toEqual(['Bearer realm="Tollgate", error="invalid_token"']);
  });

  it('403 for a missing scope, a role too low, another group and an unknown group', async () => {
    await refused(() => get('/registry/', withToken(reader.token)), 403);
    await refused(() => get('/deploy/', withToken(developer)), 403);
    await refused(() => get('/other/', withToken(developer)), 403);
    await refused(() => get('/nowhere/', withToken(developer)), 403);
    // The same tokens where they are allowed.
    expect((await get('/acme/', withToken(developer))).status).toBe(200);
  });

  it('a write: nginx sends the method in X-Original-Method, and a forged X-Forwarded-Method: GET does not turn it into a read', async () => {
    await refused(() => send(nginx.url, { method: 'POST', path: '/acme/', headers: withToken(reader.token), body: 'x' }), 403);
    await refused(() => send(nginx.url, { method: 'DELETE', path: '/acme/', headers: withToken(reader.token, { 'X-Forwarded-Method': 'GET', 'X-Original-Method': 'GET' }) }), 403);
    const write = await send(nginx.url, { method: 'POST', path: '/acme/', headers: withToken(developer, { 'content-type': 'application/json' }), body: '{}' });
    expect(write.status).toBe(200);
    expect(JSON.parse(write.body)).toMatchObject({ method: 'POST', identity: { 'x-tollgate-access-level': '30' } });
  });

  it('challenge=basic: the client is asked for Basic credentials', async () => {
    expect((await refused(() => get('/login/'), 401)).challenges).toEqual(['Basic realm="Tollgate"']);
  });

  it("a malformed query is Tollgate's 400, which nginx turns into a 500: closed, and loud", async () => {
    const before = upstream.hits;
    expect((await get('/broken/', withToken(developer))).status).toBe(500);
    expect(upstream.hits).toBe(before);
  });

  it("failed authentications hold back the client's IP (from nginx's X-Forwarded-For), not nginx's: the throttle's 429 is a 500 through nginx, closed", async () => {
    const admin = await makePat(tollgate, tollgate.root, { scopes: ['api'] });
    const settings = (body: Record<string, unknown>) => client(tollgate, admin.token).put('/api/v4/application/settings', body);
    expect((await settings({ api_failed_auth_limit_per_minute: 3 })).statusCode).toBe(200);
    try {
      for (let i = 0; i < 3; i++) await refused(() => get('/acme/', withToken('glpat-wrongwrongwrong'), '127.0.0.2'), 401);
      await refused(() => get('/acme/', withToken(developer), '127.0.0.2'), 500);
      expect((await get('/acme/', withToken(developer), '127.0.0.3')).status).toBe(200);
    } finally {
      expect((await settings({ api_failed_auth_limit_per_minute: 100 })).statusCode).toBe(200);
    }
  });

  /** A new Developer of acme. */
  async function userWithRole() {
    const user = await makeUser(tollgate);
    await setRole(tollgate, { group: acme }, user, AccessLevel.DEVELOPER);
    return user;
  }
});
