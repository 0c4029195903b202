import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { expectNothingWritten, makeGroup, makePat, makeUser } from '../../../test/support/factories.js';
import { makeGroupToken } from '../../../test/support/git-factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { UserRow } from '../../store/schema.js';

/**
 * Tollgate's own per-token IP allowlist (issue 13, docs/api.md "Tollgate's own features"):
 * `allowed_cidrs` on every token create; from elsewhere the token is refused like an invalid one.
 */
const NOW = '2026-06-15T12:00:00.000Z';
const REFUSED_BODY = { error: 'invalid_token', error_description: 'Token is not allowed from this IP address.' };

describe.each(TEST_DIALECTS)('per-token IP allowlist (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let owner: UserRow;
  let ownerPat: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    admin = client(h, (await makePat(h, h.root)).token);
    owner = await makeUser(h);
    ownerPat = (await makePat(h, owner)).token;
  });
  beforeEach(() => h.clock.set(new Date(NOW)));
  afterAll(() => h.close());

  /** GET /api/v4/user with `token` from `remoteAddress` (app.inject's default is 127.0.0.1). */
  const fromAddress = (token: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url: '/api/v4/user', remoteAddress, headers: { 'private-token': token, ...headers } });

  async function patFor(allowedCidrs: unknown) {
    const user = await makeUser(h);
    const res = await admin.post(`/api/v4/users/${user.id}/personal_access_tokens`, { name: 'limited', scopes: ['api'], allowed_cidrs: allowedCidrs });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: number; token: string; allowed_cidrs: string[] }>();
  }

  const events = (tokenId: number) =>
    h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'token_ip_refused').where('target_id', '=', tokenId).execute();

  it('a token limited to 10.0.0.0/8 is refused over loopback: 401 invalid_token with its challenge, no last use, one audit event a minute', async () => {
    const pat = await patFor(['10.0.0.0/8']);
    expect(pat.allowed_cidrs).toEqual(['10.0.0.0/8']);
    const refused = await fromAddress(pat.token);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(REFUSED_BODY);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="The API", error="invalid_token", error_description="Token is not allowed from this IP address."');
    expect(refused.headers['x-tollgate-error-code']).toBe('token_ip_refused');
    expect((await fromAddress(pat.token)).statusCode).toBe(401);
    expect((await fromAddress(pat.token, '10.20.30.40')).statusCode).toBe(200);

    await h.ctx.tokenUsage.flush();
    const row = await h.ctx.database.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', pat.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.last_used_ips)).toEqual(['10.20.30.40']);

    const recorded = await events(pat.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ entity_type: 'User', ip_address: '127.0.0.1', target_type: 'PersonalAccessToken' });
    h.clock.advance(61_000);
    expect((await fromAddress(pat.token)).statusCode).toBe(401);
    expect(await events(pat.id)).toHaveLength(2);
  });

  it('a refused token does not touch last_used_at', async () => {
    const pat = await patFor(['10.0.0.0/8']);
    expect((await fromAddress(pat.token)).statusCode).toBe(401);
    await h.ctx.tokenUsage.flush();
    expect((await admin.get(`/api/v4/personal_access_tokens/${pat.id}`)).json()).toMatchObject({ last_used_at: null, last_used_ips: [] });
  });

  it('a token limited to 127.0.0.0/8 and ::1 works over IPv4, IPv6 and IPv4-mapped IPv6 loopback', async () => {
    const pat = await patFor(['127.0.0.0/8', '::1']);
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect((await fromAddress(pat.token, address)).statusCode, address).toBe(200);
    expect((await fromAddress(pat.token, '192.0.2.1')).statusCode).toBe(401);
  });

  it('the API metrics count a refusal as its own failed outcome', async () => {
    const pat = await patFor(['10.0.0.0/8']);
    await fromAddress(pat.token);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/tollgate_authentications_total\{outcome="ip_refused",via="api"\} [1-9]/);
  });

  it('checked after revocation: a revoked token from elsewhere is still "revoked" (reuse detection sees it)', async () => {
    const pat = await patFor(['10.0.0.0/8']);
    expect((await admin.delete(`/api/v4/personal_access_tokens/${pat.id}`)).statusCode).toBe(204);
    expect((await fromAddress(pat.token)).json()).toEqual({ error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });
  });

  it('on group and project tokens too, shown in every token JSON, kept by rotation', async () => {
    const group = await makeGroup(h, owner);
    const created = await client(h, ownerPat).post(`/api/v4/groups/${group.id}/access_tokens`, { name: 'ci', scopes: ['api'], allowed_cidrs: ['10.0.0.0/8', '2001:DB8::/32'] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().allowed_cidrs).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect((await fromAddress(created.json().token)).statusCode).toBe(401);
    const rotated = await client(h, ownerPat).post(`/api/v4/groups/${group.id}/access_tokens/${created.json().id}/rotate`, {});
    expect(rotated.json().allowed_cidrs).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect((await fromAddress(rotated.json().token)).statusCode).toBe(401);
    expect((await fromAddress(rotated.json().token, '10.0.0.1')).statusCode).toBe(200);
    const listed = (await client(h, ownerPat).get(`/api/v4/groups/${group.id}/access_tokens`)).json<{ allowed_cidrs: string[] }[]>();
    expect(listed.map((t) => t.allowed_cidrs)).toEqual([
      ['10.0.0.0/8', '2001:db8::/32'],
      ['10.0.0.0/8', '2001:db8::/32'],
    ]);
    // A bot's refusal is recorded in its group's log.
    expect((await events(rotated.json().id))[0]).toMatchObject({ entity_type: 'Group', entity_id: group.id });
    // Unrestricted tokens show [].
    expect((await client(h, ownerPat).get('/api/v4/personal_access_tokens/self')).json().allowed_cidrs).toEqual([]);
  });

  it.each([[['nope']], [['10.0.0.0/33']], [Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`)], [[{}]]])('allowed_cidrs %j: 400 allowed_cidrs is invalid, nothing written', async (value) => {
    const user = await makeUser(h);
    const group = await makeGroup(h, owner);
    for (const [who, url] of [
      [admin, `/api/v4/users/${user.id}/personal_access_tokens`],
      [client(h, ownerPat), `/api/v4/groups/${group.id}/access_tokens`],
    ] as const) {
      const res = await expectNothingWritten(h, () => who.post(url, { name: 'x', scopes: ['api'], allowed_cidrs: value }));
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ error: 'allowed_cidrs is invalid' });
    }
  });
});

describe.each(TEST_DIALECTS)('per-token IP allowlist behind a trusted proxy (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW, config: { trustedProxies: ['192.0.2.10'] } });
  });
  afterAll(() => h.close());

  it('the forwarded address decides, when the proxy is trusted; from anyone else X-Forwarded-For is ignored', async () => {
    const { token } = await makePat(h, h.root, { allowedCidrs: ['10.0.0.0/8'] });
    const get = (remoteAddress: string, forwardedFor: string) =>
      h.app.inject({ method: 'GET', url: '/api/v4/user', remoteAddress, headers: { 'private-token': token, 'x-forwarded-for': forwardedFor } });
    expect((await get('192.0.2.10', '10.1.2.3')).statusCode).toBe(200);
    expect((await get('192.0.2.10', '198.51.100.7')).statusCode).toBe(401);
    // A client cannot claim an allowed address itself.
    expect((await get('198.51.100.7', '10.1.2.3')).statusCode).toBe(401);
  });
});

describe.each(TEST_DIALECTS)('per-token IP allowlist at the other entry points (%s)', (dialect) => {
  let h: Harness;
  let group: Awaited<ReturnType<typeof makeGroup>>;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW, config: { registryUrl: 'https://registry.test' } });
    group = await makeGroup(h, await makeUser(h), { path: 'acme' });
  });
  afterAll(() => h.close());

  const basic = (token: string) => `Basic ${Buffer.from(`docker:${token}`).toString('base64')}`;
  /** The address's failed authentications as the API's throttle counts them (forward auth is throttled, not banned). */
  const failures = async (ip: string) => {
    await h.ctx.failedAuthThrottle.idle();
    return (await h.ctx.database.db.selectFrom('rate_limit_counters').select('hits').where('counter', '=', 'api_failed_auth').where('subject', '=', ip).execute()).reduce((sum, row) => sum + Number(row.hits), 0);
  };

  it('/-/forward-auth: 401 invalid_token with its own challenge from elsewhere, 200 from an allowed address; a refusal counts towards the failed-authentication throttle', async () => {
    const { token } = await makeGroupToken(h, group, { scopes: ['read_api'], allowedCidrs: ['10.0.0.0/8'] });
    const ask = (remoteAddress: string) => h.app.inject({ method: 'GET', url: '/-/forward-auth?group=acme', remoteAddress, headers: { 'private-token': token } });
    const before = await failures('192.0.2.7');
    const refused = await ask('192.0.2.7');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(REFUSED_BODY);
    expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(await failures('192.0.2.7')).toBe(before + 1);
    expect((await ask('10.9.8.7')).statusCode).toBe(200);
  });

  it('/jwt/auth (the registry): 401 from elsewhere, a token from an allowed address', async () => {
    const { token } = await makeGroupToken(h, group, { scopes: ['read_registry'], allowedCidrs: ['10.0.0.0/8'] });
    const ask = (remoteAddress: string) =>
      h.app.inject({ method: 'GET', url: '/jwt/auth?service=container_registry&scope=repository:acme/app:pull', remoteAddress, headers: { authorization: basic(token) } });
    expect((await ask('192.0.2.8')).statusCode).toBe(401);
    expect((await ask('10.9.8.7')).statusCode).toBe(200);
  });

  it('rotation with a window works at these entry points too: the old value until the window ends', async () => {
    const old = await makeGroupToken(h, group, { scopes: ['read_api'] });
    const root = (await makePat(h, h.root)).token;
    const rotated = await client(h, root).post(`/api/v4/groups/${group.id}/access_tokens/${old.id}/rotate`, { grace_period_seconds: 3 });
    expect(rotated.statusCode).toBe(200);
    const ask = () => h.app.inject({ method: 'GET', url: '/-/forward-auth?group=acme', headers: { 'private-token': old.token } });
    expect((await ask()).statusCode).toBe(200);
    h.clock.advance(3000);
    expect((await ask()).statusCode).toBe(401);
  });
});
