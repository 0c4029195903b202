import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makeGroup, makePat, makeUser, snapshot } from '../../../test/support/factories.js';
import { makeGroupToken } from '../../../test/support/git-factories.js';
import { client, createHarness, type Harness, type Response } from '../../../test/support/harness.js';
import { generateToken } from '../../domain/token-format.js';
import { findTokenById } from '../../store/repositories/tokens.js';
import { buildApp, loggerOptions } from '../app.js';

const NOW = '2026-06-15T12:00:00.000Z';

/** GitLab's token information API, lib/api/admin/token.rb: POST and DELETE /api/v4/admin/token. */
describe.each(TEST_DIALECTS)('POST and DELETE /admin/token (%s)', (dialect) => {
  let h: Harness;
  let rootToken: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    rootToken = (await makePat(h, h.root)).token;
  });
  afterAll(() => h.close());

  /** The request with `{"token": value}` as JSON (or `body` as given), as `as` (root by default; null: anonymous). */
  const call = (method: 'POST' | 'DELETE', body: unknown, as: string | null = rootToken) =>
    h.app.inject({
      method,
      url: '/api/v4/admin/token',
      headers: { 'content-type': 'application/json', ...(as === null ? {} : { 'private-token': as }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    }) as Promise<Response>;

  const eventsAbout = (tokenId: number) =>
    h.ctx.database.db.selectFrom('audit_events').selectAll().where('target_id', '=', tokenId).where('target_type', '=', 'PersonalAccessToken').orderBy('id').execute();

  describe('POST: information about a token', () => {
    it('GitLab: 200 with the token as GET /personal_access_tokens/:id shows it, never its value', async () => {
      const user = await makeUser(h);
      const target = await makePat(h, user, { name: 'ci', scopes: ['read_api'] });
      const res = await call('POST', { token: target.token });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(target.token);
      const shown = await client(h, rootToken).get(`/api/v4/personal_access_tokens/${target.id}`);
      expect(res.json()).toEqual(shown.json());
      expect(res.json()).toMatchObject({ id: target.id, user_id: user.id, name: 'ci', scopes: ['read_api'], active: true, revoked: false });
    });

    it("GitLab: a group access token too (its bot's token, same entity)", async () => {
      const group = await makeGroup(h, h.root);
      const groupToken = await makeGroupToken(h, group, { name: 'deploy' });
      const res = await call('POST', { token: groupToken.token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: groupToken.id, user_id: groupToken.bot.id, name: 'deploy' });
    });

    it('is not a use of the token: no last use recorded, and a rotated-away token triggers no reuse detection', async () => {
      expect((await client(h, rootToken).put('/api/v4/application/settings', { token_reuse_detection: 'any_use' })).statusCode).toBe(200);
      try {
        const user = await makeUser(h);
        const old = await makePat(h, user, { name: 'rotating' });
        // Rotated by an administrator: the old token itself was never used.
        const rotated = await client(h, rootToken).post(`/api/v4/personal_access_tokens/${old.id}/rotate`);
        expect(rotated.statusCode).toBe(200);
        const successorId = rotated.json().id as number;

        const res = await call('POST', { token: old.token });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ id: old.id, revoked: true, active: false });
        await h.ctx.tokenUsage.flush();
        expect((await findTokenById(h.ctx.database.db, old.id))!.last_used_at).toBeNull();
        // Reuse detection (T5) would have revoked the successor and recorded token_reuse_detected.
        expect((await findTokenById(h.ctx.database.db, successorId))!.revoked).toBe(0);
        expect((await eventsAbout(old.id)).map((e) => e.event_name)).not.toContain('token_reuse_detected');
      } finally {
        await client(h, rootToken).put('/api/v4/application/settings', { token_reuse_detection: 'rotate' });
      }
    });
  });

  describe('DELETE: revocation', () => {
    it('GitLab: 204; the token stops working at once (cache) and the revocation is audited as any other, source api_admin_token', async () => {
      const user = await makeUser(h);
      const target = await makePat(h, user, { name: 'leaked' });
      // Used once, so the authentication cache holds it.
      expect((await client(h, target.token).get('/api/v4/user')).statusCode).toBe(200);

      const res = await call('DELETE', { token: target.token });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await client(h, target.token).get('/api/v4/user')).statusCode).toBe(401);
      expect((await findTokenById(h.ctx.database.db, target.id))!.revoked).toBe(1);

      const revoked = (await eventsAbout(target.id)).filter((e) => e.event_name === 'personal_access_token_revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]).toMatchObject({ entity_type: 'User', entity_id: user.id, entity_path: user.username, author_id: h.root.id });
      expect(JSON.parse(revoked[0]!.details)).toMatchObject({ revocation_source: 'api_admin_token', custom_message: `Revoked personal access token with id ${target.id}` });
      expect(revoked[0]!.details).not.toContain(target.token);

      // Revoking it again: 204, nothing new recorded.
      expect((await call('DELETE', { token: target.token })).statusCode).toBe(204);
      expect((await eventsAbout(target.id)).filter((e) => e.event_name === 'personal_access_token_revoked')).toHaveLength(1);
    });

    it("GitLab (ResourceAccessTokens::RevokeService): a group access token is revoked as its group's, audited in the group's log", async () => {
      const group = await makeGroup(h, h.root);
      const groupToken = await makeGroupToken(h, group);
      expect((await call('DELETE', { token: groupToken.token })).statusCode).toBe(204);
      expect((await findTokenById(h.ctx.database.db, groupToken.id))!.revoked).toBe(1);
      const log = await client(h, rootToken).get(`/api/v4/groups/${group.id}/audit_events`);
      expect(log.json()).toContainEqual(expect.objectContaining({ event_name: 'group_access_token_deleted', entity_type: 'Group', entity_id: group.id, author_id: h.root.id }));
    });
  });

  describe("GitLab's failures, for POST and DELETE alike, changing nothing", () => {
    const methods = ['POST', 'DELETE'] as const;

    it('no credentials: 401; a non-administrator: 403', async () => {
      const user = await makeUser(h);
      const target = await makePat(h, user);
      const before = await snapshot(h);
      for (const method of methods) {
        expect((await call(method, { token: target.token }, null)).statusCode).toBe(401);
        const forbidden = await call(method, { token: target.token }, target.token);
        expect(forbidden.statusCode).toBe(403);
        expect(forbidden.json()).toEqual({ message: '403 Forbidden' });
      }
      await h.ctx.tokenUsage.flush();
      expect((await findTokenById(h.ctx.database.db, target.id))!.revoked).toBe(0);
      expect((await snapshot(h)).audit_events).toEqual(before.audit_events);
    });

    it('Grape: without `token` (or without a body), 400 {"error":"token is missing"}', async () => {
      for (const method of methods) {
        for (const body of [{}, undefined]) {
          const res = await call(method, body);
          expect(res.statusCode).toBe(400);
          expect(res.json()).toEqual({ error: 'token is missing' });
        }
      }
    });

    it('a value that is not a token: 422 {"message":"Token type not supported."}', async () => {
      for (const method of methods) {
        for (const value of ['', 'not-a-token', 'glpat-abcdefghijklmnopqrst', 'x'.repeat(5000)]) {
          const res = await call(method, { token: value });
          expect(res.statusCode).toBe(422);
          expect(res.json()).toEqual({ message: 'Token type not supported.' });
        }
      }
    });

    it('a well-formed token that matches none: 404 {"message":{"error":"Not found"}}', async () => {
      const unknown = generateToken('glpat-', { organizationId: 1, userId: h.root.id });
      for (const method of methods) {
        const res = await call(method, { token: unknown });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: { error: 'Not found' } });
      }
    });
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
      const [looked, revoked] = [await makePat(h, await makeUser(h)), await makePat(h, await makeUser(h))];
      const send = (method: 'POST' | 'DELETE', token: string) =>
        logged.inject({ method, url: '/api/v4/admin/token', headers: { 'private-token': rootToken, 'content-type': 'application/json' }, payload: JSON.stringify({ token }) });
      const answers = await Promise.all([send('POST', looked.token), send('DELETE', revoked.token), send('POST', `${looked.token}x`)]);
      expect(answers.map((res) => res.statusCode)).toEqual([200, 204, 422]);
      expect(lines.length).toBeGreaterThan(0);
      const text = lines.join('');
      expect(text).not.toContain(looked.token);
      expect(text).not.toContain(revoked.token);
      expect(text).not.toContain(rootToken);
    } finally {
      await logged.close();
    }
  });
});
