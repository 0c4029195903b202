import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makeGroup, makePat, makeUser, expectNothingWritten } from '../../../test/support/factories.js';
import { client, createHarness, openSecondInstance, type Harness } from '../../../test/support/harness.js';
import { runJob } from '../../jobs/registry.js';
import { authenticateToken } from '../../services/authenticate.js';
import type { UserRow } from '../../store/schema.js';

/**
 * Tollgate's own rotation overlap window (issue 13, docs/api.md "Tollgate's own features"):
 * `grace_period_seconds` on every rotate endpoint keeps the old token working until the window
 * ends; without it, rotation is GitLab's (the existing rotation tests).
 */
const NOW = '2026-06-15T12:00:00.000Z';
const WINDOW_END = '2026-06-15T12:00:03.000Z';
const REVOKED_BODY = { error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' };

describe.each(TEST_DIALECTS)('rotation with an overlap window (%s)', (dialect) => {
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

  const as = (token: string) => client(h, token);
  const advanceSeconds = (seconds: number) => h.clock.advance(seconds * 1000);

  async function groupToken(scopes = ['api']) {
    const group = await makeGroup(h, owner);
    const res = await as(ownerPat).post(`/api/v4/groups/${group.id}/access_tokens`, { name: 'deploy', scopes });
    expect(res.statusCode, res.body).toBe(201);
    return { group, token: res.json<{ id: number; token: string }>() };
  }

  it('personal access token, self/rotate with 3 seconds: both values work, the old one is listed active with its window, then refused once it ends', async () => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    // Authenticated (and cached) before the rotation.
    expect((await as(old.token).get('/api/v4/personal_access_tokens/self')).json().rotation_grace_ends_at).toBeNull();

    const rotated = await as(old.token).post('/api/v4/personal_access_tokens/self/rotate', { grace_period_seconds: 3 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const successor = rotated.json();
    expect(successor).toMatchObject({ active: true, revoked: false, allowed_cidrs: [], rotation_grace_ends_at: null });

    const oldSelf = await as(old.token).get('/api/v4/personal_access_tokens/self');
    expect(oldSelf.statusCode).toBe(200);
    expect(oldSelf.json()).toMatchObject({ id: old.id, active: true, revoked: false, revoked_at: null, rotation_grace_ends_at: WINDOW_END });
    expect((await as(successor.token).get('/api/v4/user')).statusCode).toBe(200);
    const listed = (await admin.get(`/api/v4/personal_access_tokens?user_id=${user.id}&state=active`)).json<{ id: number }[]>().map((t) => t.id);
    expect(listed).toEqual([old.id, successor.id]);

    advanceSeconds(2.999);
    expect((await as(old.token).get('/api/v4/user')).statusCode).toBe(200);
    advanceSeconds(0.001);
    const refused = await as(old.token).get('/api/v4/user');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(REVOKED_BODY);
    expect((await as(successor.token).get('/api/v4/user')).statusCode).toBe(200);

    // Revoked against the clock before the job writes it down.
    const shown = (await admin.get(`/api/v4/personal_access_tokens/${old.id}`)).json();
    expect(shown).toMatchObject({ active: false, revoked: true, revoked_at: WINDOW_END, rotation_grace_ends_at: null });
    expect((await admin.get(`/api/v4/personal_access_tokens?user_id=${user.id}&revoked=true`)).json<{ id: number }[]>().map((t) => t.id)).toEqual([old.id]);
    expect((await admin.get(`/api/v4/personal_access_tokens?user_id=${user.id}&state=active`)).json<{ id: number }[]>().map((t) => t.id)).toEqual([successor.id]);
  });

  it('§4.3 after the window, presenting the old value to a rotate endpoint is reuse: its successor is revoked', async () => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    const successor = (await as(old.token).post('/api/v4/personal_access_tokens/self/rotate', { grace_period_seconds: '3' })).json();
    advanceSeconds(3);
    const reused = await as(old.token).post('/api/v4/personal_access_tokens/self/rotate');
    expect(reused.statusCode).toBe(401);
    const refused = await as(successor.token).get('/api/v4/user');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual(REVOKED_BODY);
    const events = await h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'token_reuse_detected').where('target_id', '=', old.id).execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.details)).toMatchObject({ revoked_token_ids: [successor.id] });
  });

  it('inside the window the old value is not reuse, and rotating it again is 400 Token already rotated', async () => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    const successor = (await as(old.token).post('/api/v4/personal_access_tokens/self/rotate', { grace_period_seconds: 60 })).json();
    for (const body of [{}, { grace_period_seconds: 60 }]) {
      const again = await as(old.token).post('/api/v4/personal_access_tokens/self/rotate', body);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({ message: '400 Bad request - Token already rotated' });
    }
    const byId = await admin.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, {});
    expect(byId.json()).toEqual({ message: '400 Bad request - Token already rotated' });
    expect((await as(successor.token).get('/api/v4/user')).statusCode).toBe(200);
    expect((await as(old.token).get('/api/v4/user')).statusCode).toBe(200);
  });

  it('simultaneous rotations with a window: exactly one wins, the others are 400 Token already rotated; the winner is audited with its window', async () => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    const answers = await Promise.all(Array.from({ length: 5 }, () => admin.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { grace_period_seconds: 30 })));
    expect(answers.filter((res) => res.statusCode === 200)).toHaveLength(1);
    for (const res of answers.filter((r) => r.statusCode !== 200)) expect(res.json()).toEqual({ message: '400 Bad request - Token already rotated' });
    const events = await h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'personal_access_token_rotated').where('target_id', '=', old.id).execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.details)).toMatchObject({ grace_period_seconds: 30, rotation_grace_ends_at: '2026-06-15T12:00:30.000Z' });
  });

  it('revoking the old token ends its window at once', async () => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    const successor = (await admin.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { grace_period_seconds: 600 })).json();
    expect((await as(old.token).get('/api/v4/user')).statusCode).toBe(200);
    expect((await admin.delete(`/api/v4/personal_access_tokens/${old.id}`)).statusCode).toBe(204);
    expect((await as(old.token).get('/api/v4/user')).statusCode).toBe(401);
    expect((await admin.get(`/api/v4/personal_access_tokens/${old.id}`)).json()).toMatchObject({ revoked: true, rotation_grace_ends_at: null });
    expect((await as(successor.token).get('/api/v4/user')).statusCode).toBe(200);
  });

  it('group access token, …/:token_id/rotate with a window: listed active with its window, audited, then revoked by the rotation-grace job', async () => {
    const { group, token } = await groupToken();
    const rotated = await as(ownerPat).post(`/api/v4/groups/${group.id}/access_tokens/${token.id}/rotate`, { grace_period_seconds: 3 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const successor = rotated.json();
    expect((await as(token.token).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(200);
    expect((await as(successor.token).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(200);
    const listed = (await as(ownerPat).get(`/api/v4/groups/${group.id}/access_tokens`)).json<{ id: number; active: boolean; rotation_grace_ends_at: string | null }[]>();
    expect(listed.map((t) => [t.id, t.active, t.rotation_grace_ends_at])).toEqual([
      [token.id, true, WINDOW_END],
      [successor.id, true, null],
    ]);
    const rotatedEvent = await h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'group_access_token_rotated').where('target_id', '=', token.id).executeTakeFirstOrThrow();
    expect(JSON.parse(rotatedEvent.details)).toMatchObject({ grace_period_seconds: 3, rotation_grace_ends_at: WINDOW_END, new_token_id: successor.id });

    // Before the window ends the job leaves it alone.
    expect(await runJob('rotation-grace', h.ctx)).toMatchObject({ ran: true, report: { revoked: 0 } });
    advanceSeconds(3);
    expect((await as(token.token).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(401);
    const run = await runJob('rotation-grace', h.ctx);
    expect(run.ran && (run.report as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    const row = await h.ctx.database.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ revoked: 1, revoked_at: WINDOW_END });
    const ended = await h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'token_rotation_grace_ended').where('target_id', '=', token.id).execute();
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ entity_type: 'Group', entity_id: group.id });
    expect((await as(successor.token).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(200);
  });

  it('group and project …/self/rotate take the window too', async () => {
    const { group, token } = await groupToken(['self_rotate']);
    const rotated = await as(token.token).post(`/api/v4/groups/${group.id}/access_tokens/self/rotate`, { grace_period_seconds: 5 });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const again = await as(token.token).post(`/api/v4/groups/${group.id}/access_tokens/self/rotate`, {});
    expect(again.json()).toEqual({ message: '400 Bad request - Token already rotated' });
    const self = await as(token.token).get(`/api/v4/groups/${group.id}/access_tokens/self`);
    expect(self.json()).toMatchObject({ id: token.id, active: true, rotation_grace_ends_at: '2026-06-15T12:00:05.000Z' });
  });

  it.each([[-1], [86_401], ['abc'], [1.5], [true], ['']])('grace_period_seconds %j: 400 in Grape’s words, nothing changes', async (value) => {
    const user = await makeUser(h);
    const old = await makePat(h, user);
    const { group, token } = await groupToken();
    const expected = { error: 'grace_period_seconds does not have a valid value' };
    for (const [who, url] of [
      [as(old.token), '/api/v4/personal_access_tokens/self/rotate'],
      [admin, `/api/v4/personal_access_tokens/${old.id}/rotate`],
      [as(ownerPat), `/api/v4/groups/${group.id}/access_tokens/${token.id}/rotate`],
      [as(token.token), `/api/v4/groups/${group.id}/access_tokens/self/rotate`],
    ] as const) {
      const res = await expectNothingWritten(h, () => who.post(url, { grace_period_seconds: value }));
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual(expected);
    }
  });

  it('another instance’s cached token sees the window and its end (migration 0010’s trigger watches the new columns)', async () => {
    const second = await openSecondInstance(h);
    try {
      const user = await makeUser(h);
      const old = await makePat(h, user);
      const request = { path: '/api/v4/user', ip: '127.0.0.1' };
      expect((await authenticateToken(second.ctx, old.token, request)).kind).toBe('ok');
      expect((await authenticateToken(second.ctx, old.token, request)).kind).toBe('ok');
      expect((await admin.post(`/api/v4/personal_access_tokens/${old.id}/rotate`, { grace_period_seconds: 3 })).statusCode).toBe(200);
      await expect.poll(async () => {
        const outcome = await authenticateToken(second.ctx, old.token, request);
        return outcome.kind === 'ok' ? outcome.caller.token.rotationGraceEndsAt : outcome.kind;
      }).toBe(WINDOW_END);
      advanceSeconds(3);
      expect((await authenticateToken(second.ctx, old.token, request)).kind).toBe('revoked');
    } finally {
      await second.close();
    }
  });
});
