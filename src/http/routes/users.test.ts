import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makeBot, makeGroup, makePat, makeUser, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { UserRow } from '../../store/schema.js';

const JSON_TYPE = { 'content-type': 'application/json' };

describe.each(TEST_DIALECTS)('users routes (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let alice: UserRow;
  let asAlice: ReturnType<typeof client>;
  beforeAll(async () => {
    h = await createHarness(dialect);
    admin = client(h, (await makePat(h, h.root)).token);
    alice = await makeUser(h, { username: `alice_${dialect}` });
    asAlice = client(h, (await makePat(h, alice)).token);
  });
  afterAll(() => h.close());

  describe('GET /user', () => {
    it('is the caller, with their email; only an administrator sees the admin fields', async () => {
      const res = await asAlice.get('/api/v4/user');
      // Exactly GitLab's content type: python-gitlab 3.x reads JSON only then.
      expect(res.headers['content-type']).toBe('application/json');
      const mine = res.json();
      expect(mine).toMatchObject({ id: alice.id, username: alice.username, email: alice.email, is_admin: false, bot: false, state: 'active' });
      expect(mine).not.toHaveProperty('user_type');
      const root = (await admin.get('/api/v4/user')).json();
      expect(root).toMatchObject({ id: h.root.id, username: 'root', is_admin: true, user_type: 'human' });
    });

    it("§3.3 a read_user token reads the users API (GitLab's API::Users allow_access_with_scope :read_user, GET only)", async () => {
      const readUser = client(h, (await makePat(h, alice, { scopes: ['read_user'] })).token);
      expect((await readUser.get('/api/v4/user')).json()).toMatchObject({ id: alice.id });
      expect((await readUser.get('/api/v4/users')).statusCode).toBe(200);
      expect((await readUser.get(`/api/v4/users/${alice.id}`)).statusCode).toBe(200);
      expect((await readUser.get('/api/v4/groups')).json()).toMatchObject({ error: 'insufficient_scope' });
      expect((await readUser.post('/api/v4/groups', { name: 'nope', path: `nope-${dialect}` })).statusCode).toBe(403);
    });
  });

  describe('GET /users', () => {
    it('administrators see everyone with emails; others see the basic fields; the ghost user is never listed', async () => {
      const asAdmin = (await admin.get('/api/v4/users?per_page=100')).json();
      expect(asAdmin.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['root', alice.username]));
      expect(asAdmin.map((u: { username: string }) => u.username)).not.toContain('ghost');
      expect(asAdmin.find((u: { id: number }) => u.id === alice.id)).toMatchObject({ email: alice.email, is_admin: false });
      const asUser = (await asAlice.get('/api/v4/users?per_page=100')).json();
      expect(asUser.find((u: { id: number }) => u.id === h.root.id)).toEqual({
        id: h.root.id,
        username: 'root',
        name: 'Administrator',
        state: 'active',
        locked: false,
        avatar_url: null,
        web_url: 'http://tollgate.test/root',
      });
    });

    it('filters by username (any case) and by search over username, name and email', async () => {
      const byName = (await admin.get(`/api/v4/users?username=${alice.username.toUpperCase()}`)).json();
      expect(byName.map((u: { id: number }) => u.id)).toEqual([alice.id]);
      const bySearch = (await admin.get(`/api/v4/users?search=${encodeURIComponent(alice.email)}`)).json();
      expect(bySearch.map((u: { id: number }) => u.id)).toEqual([alice.id]);
      expect((await admin.get('/api/v4/users?search=nobody-has-this')).json()).toEqual([]);
    });
  });

  describe('without a token (GitLab\'s API::Users: authenticate_non_get!, and a username required for a list)', () => {
    it('GET /users?username= finds that one user, with the basic fields; no username is 403 "Not authorized to access /api/v4/users"', async () => {
      const anonymous = client(h);
      const byName = await anonymous.get(`/api/v4/users?username=${alice.username}`);
      expect(byName.statusCode).toBe(200);
      expect(byName.json()).toEqual([
        { id: alice.id, username: alice.username, name: alice.name, state: 'active', locked: false, avatar_url: null, web_url: `http://tollgate.test/${alice.username}` },
      ]);
      expect((await anonymous.get('/api/v4/users?username=nobody-has-this')).json()).toEqual([]);
      for (const path of ['/api/v4/users', '/api/v4/users?search=alice', '/api/v4/users?username=']) {
        const refused = await anonymous.get(path);
        expect(refused.statusCode, path).toBe(403);
        expect(refused.json(), path).toEqual({ message: '403 Forbidden - Not authorized to access /api/v4/users' });
      }
      // A token that does not work is still refused, not taken for no token.
      expect((await client(h, 'glpat-not-a-real-token-value-at-all').get(`/api/v4/users?username=${alice.username}`)).statusCode).toBe(401);
    });

    it('GET /users/:id is the public profile: no email, no admin fields; the ghost user stays 404', async () => {
      const anonymous = client(h);
      const res = await anonymous.get(`/api/v4/users/${alice.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: alice.id, username: alice.username, bot: false });
      expect(res.json()).not.toHaveProperty('email');
      expect(res.json()).not.toHaveProperty('is_admin');
      const ghost = await h.ctx.database.db.selectFrom('users').select('id').where('user_type', '=', 'ghost').executeTakeFirstOrThrow();
      expect((await anonymous.get(`/api/v4/users/${ghost.id}`)).statusCode).toBe(404);
      expect((await client(h, 'glpat-not-a-real-token-value-at-all').get(`/api/v4/users/${alice.id}`)).statusCode).toBe(401);
      // Only another user's profile: who "I" am needs a token.
      expect((await anonymous.get('/api/v4/user')).statusCode).toBe(401);
    });
  });

  describe('GET /users/:id', () => {
    it('shows a user; the bot of a group access token has bot: true', async () => {
      const group = await makeGroup(h, h.root);
      const bot = await makeBot(h, group);
      expect((await asAlice.get(`/api/v4/users/${alice.id}`)).json()).toMatchObject({ id: alice.id, bot: false });
      const res = await admin.get(`/api/v4/users/${bot.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: bot.id, username: bot.username, bot: true, user_type: 'project_bot' });
    });

    it('404 "404 User Not Found" for an unknown id (the largest too) and the ghost user; 400 for a non-number or an id beyond the id range', async () => {
      const ghost = await h.ctx.database.db.selectFrom('users').select('id').where('user_type', '=', 'ghost').executeTakeFirstOrThrow();
      for (const id of ['999999', String(ghost.id), '2147483647']) {
        const res = await admin.get(`/api/v4/users/${id}`);
        expect(res.statusCode, id).toBe(404);
        expect(res.json()).toEqual({ message: '404 User Not Found' });
      }
      for (const id of ['abc', '0', '-3', '1.5', '99999999999999', '2147483648']) {
        const res = await admin.get(`/api/v4/users/${id}`);
        expect(res.statusCode, id).toBe(400);
        expect(res.json()).toEqual({ error: 'id is invalid' });
      }
    });
  });

  describe('POST /users', () => {
    it('an administrator creates a user (201), who can sign in to the API once given a token', async () => {
      const res = await admin.post('/api/v4/users', { username: `bob_${dialect}`, email: `bob_${dialect}@example.com`, name: 'Bob', password: 'long-enough-password' });
      expect(res.statusCode).toBe(201);
      const bob = res.json();
      expect(bob).toMatchObject({ username: `bob_${dialect}`, email: `bob_${dialect}@example.com`, name: 'Bob', is_admin: false, external: false, bot: false });
      const issued = (await admin.post(`/api/v4/users/${bob.id}/personal_access_tokens`, { name: 'cli', scopes: ['read_api'] })).json();
      expect((await client(h, issued.token).get('/api/v4/user')).json().id).toBe(bob.id);
    });

    it('admin and external flags are honoured', async () => {
      const res = await admin.post('/api/v4/users', { username: `ext_${dialect}`, email: `ext_${dialect}@example.com`, name: 'Ext', external: true, admin: false });
      expect(res.json()).toMatchObject({ external: true, is_admin: false });
    });

    it('a non-administrator gets 403 and nothing is written', async () => {
      const before = await snapshot(h);
      const res = await asAlice.post('/api/v4/users', { username: 'mallory', email: 'mallory@example.com', name: 'Mallory' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('409 when the username or the email is taken (in any case), and nothing is written', async () => {
      const before = await snapshot(h);
      const takenName = await admin.post('/api/v4/users', { username: alice.username.toUpperCase(), email: 'fresh@example.com', name: 'Dup' });
      expect(takenName.statusCode).toBe(409);
      expect(takenName.json()).toEqual({ message: 'Username has already been taken' });
      const takenEmail = await admin.post('/api/v4/users', { username: 'fresh_name', email: alice.email.toUpperCase(), name: 'Dup' });
      expect(takenEmail.statusCode).toBe(409);
      expect(takenEmail.json()).toEqual({ message: 'Email has already been taken' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('concurrent requests for one username: one 201, the others 409 (the unique index decides, never a 500)', async () => {
      const responses = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => admin.post('/api/v4/users', { username: `race_${dialect}`, email: `race_${i}_${dialect}@example.com`, name: 'Race' })),
      );
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
      for (const res of responses.filter((r) => r.statusCode === 409)) expect(res.json()).toEqual({ message: 'Username has already been taken' });
    });

    it('bad input is a 400 in GitLab\'s shape and writes nothing', async () => {
      const valid = { username: 'valid_name', email: 'valid@example.com', name: 'Valid' };
      const cases: [unknown, Record<string, string>?, unknown?][] = [
        ['', JSON_TYPE, { error: 'email is missing' }],
        ['{"username":', JSON_TYPE, { message: '400 The request body is not valid JSON' }],
        [{ ...valid, email: undefined }, undefined, { error: 'email is missing' }],
        [{ ...valid, admin: 'maybe' }, undefined, { error: 'admin is invalid' }],
        [{ ...valid, name: ['a', 'b'] }, undefined, { error: 'name is invalid' }],
        [{ ...valid, name: 'x'.repeat(256) }, undefined, { error: 'name is invalid' }],
        [{ ...valid, name: 'nul\u0000byte' }, undefined, { error: 'name is invalid' }],
        [{ ...valid, email: 'not-an-email' }, undefined, { message: '400 Bad request - Email is invalid' }],
        [{ ...valid, username: '-dash' }, undefined, { message: expect.stringMatching(/^400 Bad request - Username can contain only/) }],
        [{ ...valid, name: '   ' }, undefined, { message: "400 Bad request - Name can't be blank" }],
        [{ ...valid, password: 'short' }, undefined, { message: '400 Bad request - Password is too short (minimum is 8 characters)' }],
      ];
      const before = await snapshot(h);
      for (const [body, headers, expected] of cases) {
        const res = await admin.post('/api/v4/users', body, headers);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json()).toEqual(expected);
      }
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('POST /users/:id/personal_access_tokens', () => {
    it('an administrator creates a token for a user: 201, the token shown in this response only (T2 default expiry)', async () => {
      const res = await admin.post(`/api/v4/users/${alice.id}/personal_access_tokens`, { name: 'deploy', description: 'for deploys', scopes: ['api', 'read_user'] });
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created).toMatchObject({
        id: expect.any(Number),
        name: 'deploy',
        active: true,
        revoked: false,
        expired: false,
        granular: false,
        created_at: '2026-06-15T12:00:00.000Z',
        description: 'for deploys',
        scopes: ['api', 'read_user'],
        user_id: alice.id,
        last_used_at: null,
        expires_at: '2027-06-15',
        last_used_ips: [],
        token: expect.stringMatching(/^glpat-/),
      });
      expect((await client(h, created.token).get('/api/v4/user')).json().username).toBe(alice.username);
      // Never again: not when read back, not in lists.
      const shown = (await admin.get(`/api/v4/personal_access_tokens/${created.id}`)).json();
      expect(shown).not.toHaveProperty('token');
      const listed = (await admin.get(`/api/v4/personal_access_tokens?user_id=${alice.id}`)).json();
      expect(listed.find((t: { id: number }) => t.id === created.id)).not.toHaveProperty('token');
      expect(JSON.stringify(listed)).not.toContain(created.token);
    });

    it('a non-administrator gets 403, even for themselves, and nothing is written', async () => {
      const before = await snapshot(h);
      const res = await asAlice.post(`/api/v4/users/${alice.id}/personal_access_tokens`, { name: 'mine', scopes: ['api'] });
      expect(res.statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
    });

    it('an unknown user (the largest id too) is 404 "404 User Not Found"', async () => {
      for (const id of [999999, 2147483647]) {
        const res = await admin.post(`/api/v4/users/${id}/personal_access_tokens`, { name: 'x', scopes: ['api'] });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: '404 User Not Found' });
      }
    });

    it('bad input is a 400 in GitLab\'s shape and writes nothing (T3, T13)', async () => {
      const cases: [unknown, unknown][] = [
        [{ scopes: ['api'] }, { error: 'name is missing' }],
        [{ name: 'x' }, { error: 'scopes is missing' }],
        [{ name: 'x', scopes: 'api', expires_at: 'someday' }, { error: 'expires_at is invalid' }],
        [{ name: 'x', scopes: ['api'], expires_at: '2026-02-30' }, { error: 'expires_at is invalid' }],
        [{ name: 'x', scopes: [{ a: 1 }] }, { error: 'scopes is invalid' }],
        [{ name: '', scopes: ['api'] }, { message: "400 Bad request - Name can't be blank" }],
        [{ name: 'x', scopes: [] }, { message: "400 Bad request - Scopes can't be blank" }],
        [{ name: 'x', scopes: ['api', 'write_everything'] }, { message: '400 Bad request - Scopes can only contain available scopes' }],
        // Admin scopes only for administrators' tokens.
        [{ name: 'x', scopes: ['sudo'] }, { message: '400 Bad request - Scopes can only contain available scopes' }],
        [{ name: 'x', scopes: ['api'], expires_at: '2027-06-16' }, { message: '400 Bad request - Expires at must be before 2027-06-15' }],
        [{ name: 'x'.repeat(256), scopes: ['api'] }, { message: '400 Bad request - Name is too long (maximum is 255 characters)' }],
      ];
      const before = await snapshot(h);
      for (const [body, expected] of cases) {
        const res = await admin.post(`/api/v4/users/${alice.id}/personal_access_tokens`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json()).toEqual(expected);
      }
      expect(await snapshot(h)).toEqual(before);
    });
  });
});
