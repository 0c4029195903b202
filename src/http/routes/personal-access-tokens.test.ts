import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, makeUser, snapshot } from '../../../test/support/factories.js';
import { browserClient, client, createHarness, type Harness } from '../../../test/support/harness.js';
import { revokeTokenIfActive } from '../../store/repositories/tokens.js';
import type { UserRow } from '../../store/schema.js';

const NOW = '2026-06-15T12:00:00.000Z';
const ids = (res: { json(): { id: number }[] }) => res.json().map((t) => t.id);

describe.each(TEST_DIALECTS)('personal access token routes (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let alice: UserRow;
  let bob: UserRow;
  let alicePat: { token: string; id: number };
  let bobPat: { token: string; id: number };
  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    admin = client(h, (await makePat(h, h.root)).token);
    alice = await makeUser(h);
    bob = await makeUser(h);
    alicePat = await makePat(h, alice, { name: 'alice main' });
    bobPat = await makePat(h, bob, { name: 'bob main' });
  });
  beforeEach(() => h.clock.set(new Date(NOW)));
  afterAll(() => h.close());

  describe('GET /personal_access_tokens', () => {
    it('a non-administrator sees only their own tokens, with or without their own user_id', async () => {
      const asAlice = client(h, alicePat.token);
      expect(ids(await asAlice.get('/api/v4/personal_access_tokens'))).toEqual([alicePat.id]);
      expect(ids(await asAlice.get(`/api/v4/personal_access_tokens?user_id=${alice.id}`))).toEqual([alicePat.id]);
    });

    it("GitLab 13.3+ (lib/api/personal_access_tokens.rb, restrict_non_admins!): a non-administrator naming another user's user_id is 401", async () => {
      const asAlice = client(h, alicePat.token);
      for (const userId of [bob.id, h.root.id, 99999999]) {
        const res = await asAlice.get(`/api/v4/personal_access_tokens?user_id=${userId}`);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      }
    });

    it("an administrator sees everyone's, and one user's with user_id", async () => {
      const all = ids(await admin.get('/api/v4/personal_access_tokens?per_page=100'));
      expect(all).toEqual(expect.arrayContaining([alicePat.id, bobPat.id]));
      expect(ids(await admin.get(`/api/v4/personal_access_tokens?user_id=${bob.id}`))).toEqual([bobPat.id]);
      expect((await admin.get('/api/v4/personal_access_tokens?user_id=2147483647')).json()).toEqual([]);
    });

    it('§2.1 filters: state, revoked, created_*, last_used_*, expires_*, search and sort', async () => {
      const carol = await makeUser(h);
      h.clock.set(new Date('2026-06-10T00:00:00.000Z'));
      const expired = await makePat(h, carol, { name: 'a_test_1', expiresAt: '2026-06-13', lastUsedAt: '2026-06-12T08:00:00.000Z' });
      h.clock.set(new Date(NOW));
      const active = await makePat(h, carol, { name: 'b_test', lastUsedAt: '2026-06-15T11:00:00.000Z' });
      const revoked = await makePat(h, carol, { name: 'c_test' });
      await revokeTokenIfActive(h.ctx.database.db, revoked.id, NOW);
      const list = async (query: string) => ids(await admin.get(`/api/v4/personal_access_tokens?user_id=${carol.id}&${query}`));

      expect(await list('')).toEqual([expired.id, active.id, revoked.id]);
      expect(await list('state=active')).toEqual([active.id]);
      expect(await list('state=inactive')).toEqual([expired.id, revoked.id]);
      expect(await list('revoked=true')).toEqual([revoked.id]);
      expect(await list('revoked=false')).toEqual([expired.id, active.id]);
      expect(await list('created_before=2026-06-12T00:00:00Z')).toEqual([expired.id]);
      expect(await list('created_after=2026-06-12T00:00:00Z')).toEqual([active.id, revoked.id]);
      expect(await list('last_used_before=2026-06-14T00:00:00Z')).toEqual([expired.id]);
      expect(await list('last_used_after=2026-06-14T00:00:00Z')).toEqual([active.id]);
      expect(await list('expires_before=2026-06-14')).toEqual([expired.id]);
      expect(await list('expires_after=2026-06-14')).toEqual([active.id, revoked.id]);
      expect(await list('search=a_test_1')).toEqual([expired.id]);
      expect(await list('search=TEST')).toEqual([expired.id, active.id, revoked.id]);
      expect(await list('search=te')).toEqual([]);
      expect(await list('sort=name_desc')).toEqual([revoked.id, active.id, expired.id]);
      expect(await list('sort=name_asc')).toEqual([expired.id, active.id, revoked.id]);
      expect(await list('sort=no_such_order')).toEqual([expired.id, active.id, revoked.id]);
    });

    it('bad filter values are 400s in Grape\'s words', async () => {
      const cases: [string, string][] = [
        ['state=maybe', 'state does not have a valid value'],
        ['revoked=perhaps', 'revoked is invalid'],
        ['created_before=yesterday-ish', 'created_before is invalid'],
        ['last_used_after=not-a-time', 'last_used_after is invalid'],
        ['expires_before=2026-02-30', 'expires_before is invalid'],
        ['user_id=abc', 'user_id is invalid'],
        ['search=a%00b', 'search is invalid'],
        ['page=0', 'page is invalid'],
        ['per_page=-1', 'per_page is invalid'],
      ];
      for (const [query, error] of cases) {
        const res = await admin.get(`/api/v4/personal_access_tokens?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(res.json()).toEqual({ error });
      }
    });
  });

  describe('/personal_access_tokens/self', () => {
    it('GET answers the token used to authenticate, whatever its scopes', async () => {
      const pat = await makePat(h, alice, { name: 'repo only', scopes: ['read_repository'] });
      const res = await client(h, pat.token).get('/api/v4/personal_access_tokens/self');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: pat.id, name: 'repo only', scopes: ['read_repository'], user_id: alice.id, active: true });
      expect(res.json()).not.toHaveProperty('token');
    });

    it('DELETE revokes the token used to authenticate (204); it then answers 401 revoked', async () => {
      const pat = await makePat(h, alice, { name: 'short lived' });
      const res = await client(h, pat.token).delete('/api/v4/personal_access_tokens/self');
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await client(h, pat.token).get('/api/v4/user')).json().error_description).toMatch(/revoked/);
      expect((await admin.get(`/api/v4/personal_access_tokens/${pat.id}`)).json()).toMatchObject({ revoked: true, active: false });
    });
  });

  describe('GET and DELETE /personal_access_tokens/:id', () => {
    it("your own token, or anyone's for an administrator", async () => {
      const mine = await client(h, alicePat.token).get(`/api/v4/personal_access_tokens/${alicePat.id}`);
      expect(mine.statusCode).toBe(200);
      expect(mine.json()).toMatchObject({ id: alicePat.id, user_id: alice.id, name: 'alice main' });
      expect((await admin.get(`/api/v4/personal_access_tokens/${bobPat.id}`)).json()).toMatchObject({ id: bobPat.id, user_id: bob.id });
    });

    it("someone else's token is 404 to a non-administrator: read and revoke alike, and nothing is revoked", async () => {
      const before = await snapshot(h);
      const asAlice = client(h, alicePat.token);
      for (const res of [await asAlice.get(`/api/v4/personal_access_tokens/${bobPat.id}`), await asAlice.delete(`/api/v4/personal_access_tokens/${bobPat.id}`)]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: '404 Not Found' });
      }
      expect(await snapshot(h)).toEqual(before);
      expect((await client(h, bobPat.token).get('/api/v4/user')).statusCode).toBe(200);
    });

    it('unknown ids are 404; ids that are not numbers are 400', async () => {
      for (const id of ['999999', '2147483647']) expect((await admin.get(`/api/v4/personal_access_tokens/${id}`)).statusCode).toBe(404);
      for (const id of ['abc', '0', '99999999999']) {
        const res = await admin.delete(`/api/v4/personal_access_tokens/${id}`);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'id is invalid' });
      }
    });

    it('DELETE revokes your own token: 204, then it answers 401 revoked', async () => {
      const pat = await makePat(h, alice, { name: 'to revoke' });
      expect((await client(h, alicePat.token).delete(`/api/v4/personal_access_tokens/${pat.id}`)).statusCode).toBe(204);
      expect((await client(h, pat.token).get('/api/v4/user')).statusCode).toBe(401);
    });
  });

  describe('POST /personal_access_tokens/:id/rotate', () => {
    it('T4 §4.2: a new token and id, same name and scopes, old one revoked, expiry today + 7 days', async () => {
      const old = await makePat(h, alice, { name: 'rotating', scopes: ['api', 'read_user'] });
      const res = await client(h, alicePat.token).post(`/api/v4/personal_access_tokens/${old.id}/rotate`);
      expect(res.statusCode).toBe(200);
      const rotated = res.json();
      expect(rotated).toMatchObject({ name: 'rotating', scopes: ['api', 'read_user'], user_id: alice.id, active: true, expires_at: '2026-06-22' });
      expect(rotated.id).not.toBe(old.id);
      expect(rotated.token).toMatch(/^glpat-/);
      expect(rotated.token).not.toBe(old.token);
      expect((await admin.get(`/api/v4/personal_access_tokens/${old.id}`)).json()).toMatchObject({ revoked: true, active: false });
      expect((await client(h, rotated.token).get('/api/v4/user')).json().id).toBe(alice.id);
      expect((await client(h, old.token).get('/api/v4/user')).json().error_description).toMatch(/revoked/);
    });

    it('the curl recipe works: no body at all means no parameters', async () => {
      const old = await makePat(h, alice);
      const res = await h.app.inject({ method: 'POST', url: `/api/v4/personal_access_tokens/${old.id}/rotate`, headers: { 'private-token': alicePat.token } });
      expect(res.statusCode).toBe(200);
      expect(res.json().expires_at).toBe('2026-06-22');
    });

    it('expires_at sets the new expiry; past the maximum lifetime is 400 and the old token stays valid (T3)', async () => {
      const old = await makePat(h, alice);
      const asAlice = client(h, alicePat.token);
      const before = await snapshot(h);
      const tooLate = await asAlice.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { expires_at: '2027-06-16' });
      expect(tooLate.statusCode).toBe(400);
      expect(tooLate.json()).toEqual({ message: '400 Bad request - Expires at must be before 2027-06-15' });
      const notADate = await asAlice.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { expires_at: 'next week' });
      expect(notADate.json()).toEqual({ error: 'expires_at is invalid' });
      expect(await snapshot(h)).toEqual(before);
      const res = await asAlice.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { expires_at: '2026-09-01' });
      expect(res.json().expires_at).toBe('2026-09-01');
    });

    it('§2.4 a revoked token cannot be rotated: 400 "Token already revoked"', async () => {
      const old = await makePat(h, alice);
      await revokeTokenIfActive(h.ctx.database.db, old.id, NOW);
      const res = await client(h, alicePat.token).post(`/api/v4/personal_access_tokens/${old.id}/rotate`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: '400 Bad request - Token already revoked' });
    });

    it("someone else's token is 404 to a non-administrator and stays as it was; an administrator may rotate it", async () => {
      const before = await snapshot(h);
      const res = await client(h, alicePat.token).post(`/api/v4/personal_access_tokens/${bobPat.id}/rotate`);
      expect(res.statusCode).toBe(404);
      expect(await snapshot(h)).toEqual(before);
      const bobsOther = await makePat(h, bob);
      expect((await admin.post(`/api/v4/personal_access_tokens/${bobsOther.id}/rotate`)).json()).toMatchObject({ user_id: bob.id, active: true });
    });
  });

  describe('POST /personal_access_tokens/self/rotate', () => {
    it('§2.5 works with the self_rotate scope alone', async () => {
      const old = await makePat(h, alice, { scopes: ['self_rotate'] });
      const res = await client(h, old.token).post('/api/v4/personal_access_tokens/self/rotate');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ scopes: ['self_rotate'], user_id: alice.id, expires_at: '2026-06-22', active: true });
      expect(res.json().id).not.toBe(old.id);
      expect((await client(h, old.token).get('/api/v4/personal_access_tokens/self')).statusCode).toBe(401);
      expect((await client(h, res.json().token).get('/api/v4/personal_access_tokens/self')).json().id).toBe(res.json().id);
    });

    it('§8.6 S4 read_api alone is 403 insufficient_scope, and nothing changes', async () => {
      const old = await makePat(h, alice, { scopes: ['read_api'] });
      const before = await snapshot(h);
      const res = await client(h, old.token).post('/api/v4/personal_access_tokens/self/rotate');
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'api self_rotate',
      });
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('POST /user/personal_access_tokens (a token for yourself)', () => {
    const PASSWORD = 'correct-horse-battery-staple';
    const SCOPES_NOT_VALID = { error: 'scopes does not have a valid value' };
    const body = (scopes: string[], extra: Record<string, unknown> = {}) => ({ name: 'mine', description: 'for the laptop', scopes, expires_at: '2026-07-01', ...extra });

    it('signed in to the web UI (browser session): any personal scope available to you, 201 with the token, which works', async () => {
      const dora = await makeUser(h, { password: PASSWORD });
      const browser = await browserClient(h, dora.username, PASSWORD);
      const res = await browser.post('/api/v4/user/personal_access_tokens', body(['api', 'read_user', 'write_repository']));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        name: 'mine',
        description: 'for the laptop',
        scopes: ['api', 'read_user', 'write_repository'],
        expires_at: '2026-07-01',
        user_id: dora.id,
        active: true,
        revoked: false,
      });
      expect((await client(h, res.json().token).get('/api/v4/user')).json()).toMatchObject({ id: dora.id });
      expect(ids(await browser.get('/api/v4/personal_access_tokens'))).toEqual([res.json().id]);
    });

    it("with a browser session, createPersonalAccessToken's rules still hold: no admin scopes for a non-admin, GitLab's validations; nothing written", async () => {
      const erin = await makeUser(h, { password: PASSWORD });
      const browser = await browserClient(h, erin.username, PASSWORD);
      const before = await snapshot(h);
      const sudo = await browser.post('/api/v4/user/personal_access_tokens', body(['api', 'sudo']));
      expect(sudo.statusCode).toBe(400);
      expect(sudo.json()).toEqual({ message: '400 Bad request - Scopes can only contain available scopes' });
      expect((await browser.post('/api/v4/user/personal_access_tokens', body(['no_such_scope']))).statusCode).toBe(400);
      expect((await browser.post('/api/v4/user/personal_access_tokens', body([])).then((r) => r.statusCode))).toBe(400);
      expect((await browser.post('/api/v4/user/personal_access_tokens', body(['api'], { name: '' }))).statusCode).toBe(400);
      expect((await browser.post('/api/v4/user/personal_access_tokens', body(['api'], { expires_at: '2099-01-01' }))).statusCode).toBe(400);
      expect(await snapshot(h)).toEqual(before);
    });

    it("with a token, GitLab's limit: k8s_proxy and self_rotate only (201)", async () => {
      const asAlice = client(h, alicePat.token);
      const res = await asAlice.post('/api/v4/user/personal_access_tokens', body(['k8s_proxy', 'self_rotate']));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ scopes: ['k8s_proxy', 'self_rotate'], user_id: alice.id });
    });

    it('with a token, any other scope is 400 "scopes does not have a valid value" (a token never mints a broader token), nothing written', async () => {
      const asAlice = client(h, alicePat.token);
      const before = await snapshot(h);
      for (const scopes of [['api'], ['read_api'], ['k8s_proxy', 'write_repository'], ['read_user']]) {
        const res = await asAlice.post('/api/v4/user/personal_access_tokens', body(scopes));
        expect(res.statusCode, scopes.join()).toBe(400);
        expect(res.json()).toEqual(SCOPES_NOT_VALID);
      }
      // Not even an administrator's token.
      expect((await admin.post('/api/v4/user/personal_access_tokens', body(['api']))).json()).toEqual(SCOPES_NOT_VALID);
      expect(await snapshot(h)).toEqual(before);
    });

    it('a token needs the api scope to call it (403 insufficient_scope); anonymous is 401', async () => {
      const readOnly = await makePat(h, alice, { scopes: ['read_api'] });
      const before = await snapshot(h);
      expect((await client(h, readOnly.token).post('/api/v4/user/personal_access_tokens', body(['k8s_proxy']))).statusCode).toBe(403);
      expect((await client(h).post('/api/v4/user/personal_access_tokens', body(['k8s_proxy']))).statusCode).toBe(401);
      expect(await snapshot(h)).toEqual(before);
    });
  });
});
