import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeBot, makeGroup, makePat, makeProject, makeUser, setRole, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { GroupRow, UserRow } from '../../store/schema.js';

type Caller = Awaited<ReturnType<typeof signedIn>>;
type Member = { id: number; username: string; access_level: number; bot: boolean };
const levels = (members: Member[]) => Object.fromEntries(members.map((m) => [m.id, m.access_level]));

describe.each(TEST_DIALECTS)('group member routes (%s)', (dialect) => {
  let h: Harness;
  let owner: Caller, maintainer: Caller, developer: Caller, outsider: Caller;
  let top: GroupRow, sub: GroupRow;
  beforeAll(async () => {
    h = await createHarness(dialect);
    [owner, maintainer, developer, outsider] = await Promise.all([signedIn(h), signedIn(h), signedIn(h), signedIn(h)]);
    top = await makeGroup(h, owner.user, { path: 'team' });
    sub = await makeGroup(h, owner.user, { path: 'squad', parent: top });
    await setRole(h, { group: top }, maintainer.user, AccessLevel.MAINTAINER);
    await setRole(h, { group: top }, developer.user, AccessLevel.DEVELOPER);
  });
  afterAll(() => h.close());

  describe('GET /groups/:id/members and /members/all', () => {
    it('members lists the direct members with their roles', async () => {
      const res = await developer.api.get(`/api/v4/groups/${top.id}/members`);
      expect(res.statusCode).toBe(200);
      expect(levels(res.json())).toEqual({ [owner.user.id]: 50, [maintainer.user.id]: 40, [developer.user.id]: 30 });
      expect(res.json().find((m: Member) => m.id === developer.user.id)).toMatchObject({
        username: developer.user.username,
        access_level: 30,
        expires_at: null,
        membership_state: 'active',
        bot: false,
      });
    });

    it('inheritance: members/all of a subgroup includes the members of the groups above, each with their highest role', async () => {
      const promoted = await makeUser(h);
      await setRole(h, { group: top }, promoted, AccessLevel.REPORTER);
      await setRole(h, { group: sub }, promoted, AccessLevel.MAINTAINER);
      await setRole(h, { group: sub }, developer.user, AccessLevel.GUEST);
      const direct = levels((await developer.api.get(`/api/v4/groups/${sub.id}/members`)).json());
      expect(direct).toEqual({ [owner.user.id]: 50, [promoted.id]: 40, [developer.user.id]: 10 });
      const all = levels((await developer.api.get('/api/v4/groups/team%2Fsquad/members/all')).json());
      expect(all).toEqual({ [owner.user.id]: 50, [maintainer.user.id]: 40, [developer.user.id]: 30, [promoted.id]: 40 });
    });

    it('inheritance: a member of a group has at least that role in every project below it', async () => {
      const project = await makeProject(h, sub);
      // Developer in the top group: may read the private project and open issues in it; an outsider may not.
      expect((await developer.api.get(`/api/v4/projects/${project.id}`)).statusCode).toBe(200);
      expect((await developer.api.post(`/api/v4/projects/${project.id}/issues`, { title: 'inherited access' })).statusCode).toBe(201);
      expect((await outsider.api.get(`/api/v4/projects/${project.id}`)).statusCode).toBe(404);
    });

    it('the members of a private group are 404 to non-members and anonymous callers', async () => {
      for (const api of [outsider.api, client(h)]) {
        for (const path of ['members', 'members/all']) {
          const res = await api.get(`/api/v4/groups/${top.id}/${path}`);
          expect(res.statusCode).toBe(404);
          expect(res.json()).toEqual({ message: '404 Group Not Found' });
        }
      }
    });

    it('GET members/:user_id shows a direct member; members/all/:user_id an inherited one too', async () => {
      const direct = await developer.api.get(`/api/v4/groups/${top.id}/members/${maintainer.user.id}`);
      expect(direct.statusCode).toBe(200);
      expect(direct.json()).toMatchObject({ id: maintainer.user.id, access_level: 40 });
      const notDirect = await developer.api.get(`/api/v4/groups/${sub.id}/members/${maintainer.user.id}`);
      expect(notDirect.statusCode).toBe(404);
      expect(notDirect.json()).toEqual({ message: '404 Member Not Found' });
      const inherited = await developer.api.get(`/api/v4/groups/${sub.id}/members/all/${maintainer.user.id}`);
      expect(inherited.json()).toMatchObject({ id: maintainer.user.id, access_level: 40 });
      for (const userId of [String(outsider.user.id), '99999999999']) {
        expect((await developer.api.get(`/api/v4/groups/${sub.id}/members/all/${userId}`)).json()).toEqual({ message: '404 Member Not Found' });
      }
      expect((await developer.api.get(`/api/v4/groups/${sub.id}/members/all/someone`)).json()).toEqual({ error: 'user_id is invalid' });
      expect((await outsider.api.get(`/api/v4/groups/${top.id}/members/${maintainer.user.id}`)).json()).toEqual({ message: '404 Group Not Found' });
    });

    it('query filters by username or name', async () => {
      const res = await owner.api.get(`/api/v4/groups/${top.id}/members?query=${maintainer.user.username.toUpperCase()}`);
      expect(res.json().map((m: Member) => m.id)).toEqual([maintainer.user.id]);
    });
  });

  describe('POST /groups/:id/members', () => {
    it('an Owner adds a member (201), who then has that role', async () => {
      const newcomer = await signedIn(h);
      const res = await owner.api.post(`/api/v4/groups/${top.id}/members`, { user_id: newcomer.user.id, access_level: 20 });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ id: newcomer.user.id, username: newcomer.user.username, access_level: 20, bot: false });
      expect((await newcomer.api.get(`/api/v4/groups/${sub.id}`)).statusCode).toBe(200);
    });

    it('409 "Member already exists", and nothing is written', async () => {
      const before = await snapshot(h);
      const res = await owner.api.post(`/api/v4/groups/${top.id}/members`, { user_id: developer.user.id, access_level: 40 });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ message: 'Member already exists' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('concurrent additions of one user: one 201, the others 409 (never a 500)', async () => {
      const racer = await makeUser(h);
      const responses = await Promise.all([0, 1, 2, 3].map(() => owner.api.post(`/api/v4/groups/${top.id}/members`, { user_id: racer.id, access_level: 10 })));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    });

    it('bots of access tokens cannot be added to other groups: 400, nothing written', async () => {
      const elsewhere = await makeGroup(h, owner.user, { path: 'elsewhere' });
      const bot = await makeBot(h, elsewhere);
      const before = await snapshot(h);
      const res = await owner.api.post(`/api/v4/groups/${top.id}/members`, { user_id: bot.id, access_level: 30 });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: '400 Bad request - Bot users of access tokens cannot be added to other groups or projects' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('only Owners manage members: a Maintainer gets 403 (even for a role below their own), nothing written', async () => {
      const candidate = await makeUser(h);
      const before = await snapshot(h);
      for (const access_level of [10, 40, 50]) {
        const res = await maintainer.api.post(`/api/v4/groups/${top.id}/members`, { user_id: candidate.id, access_level });
        expect(res.statusCode).toBe(403);
      }
      expect((await outsider.api.post(`/api/v4/groups/${top.id}/members`, { user_id: candidate.id, access_level: 10 })).statusCode).toBe(404);
      expect(await snapshot(h)).toEqual(before);
    });

    it('bad input is a 4xx in GitLab\'s shape and writes nothing', async () => {
      const candidate = await makeUser(h);
      const cases: [unknown, number, unknown][] = [
        [{}, 400, { error: 'user_id is missing' }],
        [{ user_id: candidate.id }, 400, { error: 'access_level is missing' }],
        [{ user_id: candidate.id, access_level: 35 }, 400, { error: 'access_level does not have a valid value' }],
        [{ user_id: candidate.id, access_level: 60 }, 400, { error: 'access_level does not have a valid value' }],
        [{ user_id: candidate.id, access_level: 'owner' }, 400, { error: 'access_level is invalid' }],
        [{ user_id: 'someone', access_level: 30 }, 400, { error: 'user_id is invalid' }],
        [{ user_id: candidate.id, access_level: 30, expires_at: 'soon' }, 400, { error: 'expires_at is invalid' }],
        [{ user_id: 999999, access_level: 30 }, 404, { message: '404 User Not Found' }],
        [{ user_id: 99999999999, access_level: 30 }, 404, { message: '404 User Not Found' }],
      ];
      const before = await snapshot(h);
      for (const [body, status, expected] of cases) {
        const res = await owner.api.post(`/api/v4/groups/${top.id}/members`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      expect((await owner.api.post('/api/v4/groups/no-such-group/members', { user_id: candidate.id, access_level: 30 })).json()).toEqual({
        message: '404 Group Not Found',
      });
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('PUT /groups/:id/members/:user_id', () => {
    it('an Owner changes a role, up to Owner (their own)', async () => {
      const member = await makeUser(h);
      await setRole(h, { group: top }, member, AccessLevel.GUEST);
      const res = await owner.api.put(`/api/v4/groups/${top.id}/members/${member.id}`, { access_level: 50, expires_at: '2026-12-31' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: member.id, access_level: 50, expires_at: '2026-12-31' });
      const cleared = await owner.api.put(`/api/v4/groups/${top.id}/members/${member.id}`, { access_level: 50, expires_at: null });
      expect(cleared.json()).toMatchObject({ access_level: 50, expires_at: null });
    });

    it('a role above your own cannot be assigned: a Maintainer cannot promote anyone, themselves included (403)', async () => {
      const before = await snapshot(h);
      for (const userId of [maintainer.user.id, developer.user.id]) {
        const res = await maintainer.api.put(`/api/v4/groups/${top.id}/members/${userId}`, { access_level: 50 });
        expect(res.statusCode).toBe(403);
      }
      expect(await snapshot(h)).toEqual(before);
    });

    it('the last Owner of a top-level group cannot be demoted (403), and nothing changes', async () => {
      const solo = await signedIn(h);
      const group = await makeGroup(h, solo.user, { path: 'solo' });
      const before = await snapshot(h);
      const res = await solo.api.put(`/api/v4/groups/${group.id}/members/${solo.user.id}`, { access_level: 40 });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden - A group must keep at least one Owner' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('unknown members are 404; bad values are 400; nothing changes', async () => {
      const before = await snapshot(h);
      const cases: [string, unknown, number, unknown][] = [
        [String(outsider.user.id), { access_level: 30 }, 404, { message: '404 Member Not Found' }],
        ['99999999999', { access_level: 30 }, 404, { message: '404 Member Not Found' }],
        ['abc', { access_level: 30 }, 400, { error: 'user_id is invalid' }],
        [String(developer.user.id), {}, 400, { error: 'access_level is missing' }],
        [String(developer.user.id), { access_level: 45 }, 400, { error: 'access_level does not have a valid value' }],
      ];
      for (const [userId, body, status, expected] of cases) {
        const res = await owner.api.put(`/api/v4/groups/${top.id}/members/${userId}`, body);
        expect(res.statusCode, `${userId} ${JSON.stringify(body)}`).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('DELETE /groups/:id/members/:user_id', () => {
    it('an Owner removes a member (204), who loses access to the private group', async () => {
      const leaving = await signedIn(h);
      await setRole(h, { group: top }, leaving.user, AccessLevel.REPORTER);
      expect((await leaving.api.get(`/api/v4/groups/${top.id}`)).statusCode).toBe(200);
      const res = await owner.api.delete(`/api/v4/groups/${top.id}/members/${leaving.user.id}`);
      expect(res.statusCode).toBe(204);
      expect((await leaving.api.get(`/api/v4/groups/${top.id}`)).statusCode).toBe(404);
    });

    it('members may leave; removing someone else needs an Owner (403), and nothing is removed', async () => {
      const stays = await makeUser(h);
      await setRole(h, { group: top }, stays, AccessLevel.GUEST);
      const before = await snapshot(h);
      expect((await developer.api.delete(`/api/v4/groups/${top.id}/members/${stays.id}`)).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
      const leaver = await signedIn(h);
      await setRole(h, { group: top }, leaver.user, AccessLevel.GUEST);
      expect((await leaver.api.delete(`/api/v4/groups/${top.id}/members/${leaver.user.id}`)).statusCode).toBe(204);
    });

    it('the last Owner cannot be removed (403); a second Owner makes it possible', async () => {
      const solo = await signedIn(h);
      const group = await makeGroup(h, solo.user, { path: 'last-owner' });
      const before = await snapshot(h);
      const res = await solo.api.delete(`/api/v4/groups/${group.id}/members/${solo.user.id}`);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden - A group must keep at least one Owner' });
      expect(await snapshot(h)).toEqual(before);
      const other: UserRow = await makeUser(h);
      await setRole(h, { group }, other, AccessLevel.OWNER);
      expect((await solo.api.delete(`/api/v4/groups/${group.id}/members/${solo.user.id}`)).statusCode).toBe(204);
    });

    it('two Owners demoting or removing each other at the same moment: one wins, an Owner always remains', async () => {
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([signedIn(h), signedIn(h)]);
        const group = await makeGroup(h, a.user, { path: `duel-${round}` });
        await setRole(h, { group }, b.user, AccessLevel.OWNER);
        const members = `/api/v4/groups/${group.id}/members`;
        const answers = await Promise.all(
          round % 2 === 0
            ? [a.api.put(`${members}/${b.user.id}`, { access_level: 40 }), b.api.put(`${members}/${a.user.id}`, { access_level: 40 })]
            : [a.api.delete(`${members}/${b.user.id}`), b.api.delete(`${members}/${a.user.id}`)],
        );
        const [winner, loser] = answers.map((r) => r.statusCode).sort();
        expect(winner).toBe(round % 2 === 0 ? 200 : 204);
        // Refused by the last-Owner rule, or, once removed, no longer able to see the private group.
        expect([403, 404]).toContain(loser);
        const asRoot = client(h, (await makePat(h, h.root)).token);
        const owners = (await asRoot.get(members)).json().filter((m: Member) => m.access_level === AccessLevel.OWNER);
        expect(owners, `round ${round}`).toHaveLength(1);
      }
    });

    it('a user who is not a member is 404 "404 Member Not Found"', async () => {
      const res = await owner.api.delete(`/api/v4/groups/${top.id}/members/${outsider.user.id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ message: '404 Member Not Found' });
    });
  });

  it('an administrator manages members of any group (counts as Owner, T8)', async () => {
    const admin = client(h, (await makePat(h, h.root)).token);
    const member = await makeUser(h);
    expect((await admin.post(`/api/v4/groups/${top.id}/members`, { user_id: member.id, access_level: 50 })).statusCode).toBe(201);
  });
});
