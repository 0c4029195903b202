import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeBot, makeGroup, makePat, makeProject, makeUser, setRole, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { GroupRow, ProjectRow, UserRow } from '../../store/schema.js';

type Caller = Awaited<ReturnType<typeof signedIn>>;
type Member = { id: number; username: string; access_level: number; bot: boolean };
type Kind = 'group' | 'project';
const levels = (members: Member[]) => Object.fromEntries(members.map((m) => [m.id, m.access_level]));

/**
 * GitLab's members API (doc/api/members.md) for groups and projects: one route module and one
 * service, so the shared behaviour is one suite run for both kinds, and the differences (who
 * manages, the last-Owner rule, the bot message) have tests of their own.
 */
describe.each(TEST_DIALECTS)('members routes (%s)', (dialect) => {
  let h: Harness;
  let serial = 0;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(() => h.close());

  interface World {
    /** `/api/v4/groups/:id` or `/api/v4/projects/:id`. */
    path: string;
    source: { group: GroupRow } | { project: ProjectRow };
    /** The Owner of the top-level group above the source. */
    owner: Caller;
    top: GroupRow;
    /** Manages the source's members: its group's Owner, or the project's direct Maintainer. */
    manager: Caller;
    /** A direct Developer of the source. */
    developer: Caller;
    /** A Reporter of the top-level group only (inherited into the source). */
    inheritedReporter: Caller;
    outsider: Caller;
  }

  /** A private source of the kind below a private top-level group, with its people. */
  async function world(kind: Kind): Promise<World> {
    const [owner, manager, developer, inheritedReporter, outsider] = await Promise.all([signedIn(h), signedIn(h), signedIn(h), signedIn(h), signedIn(h)]);
    const top = await makeGroup(h, owner.user, { path: `top-${kind}-${++serial}` });
    let source: World['source'];
    if (kind === 'group') {
      source = { group: await makeGroup(h, owner.user, { path: 'sub', parent: top }) };
      await setRole(h, source, manager.user, AccessLevel.OWNER);
    } else {
      source = { project: await makeProject(h, top, { path: 'app' }) };
      await setRole(h, source, manager.user, AccessLevel.MAINTAINER);
    }
    await setRole(h, source, developer.user, AccessLevel.DEVELOPER);
    await setRole(h, { group: top }, inheritedReporter.user, AccessLevel.REPORTER);
    const id = 'group' in source ? source.group.id : source.project.id;
    return { path: `/api/v4/${kind}s/${id}`, source, owner, top, manager, developer, inheritedReporter, outsider };
  }

  /** The bot of an access token of another group, as it would come to be offered for membership. */
  const someBot = async (owner: UserRow) => makeBot(h, await makeGroup(h, owner, { path: `bots-${++serial}` }));

  describe.each<Kind>(['group', 'project'])('shared by groups and projects: %s members', (kind) => {
    const notFound = kind === 'group' ? '404 Group Not Found' : '404 Project Not Found';
    let w: World;
    beforeAll(async () => {
      w = await world(kind);
    });

    it('members lists the direct members with their roles', async () => {
      const res = await w.developer.api.get(`${w.path}/members`);
      expect(res.statusCode).toBe(200);
      const expected = { [w.manager.user.id]: kind === 'group' ? 50 : 40, [w.developer.user.id]: 30 };
      // A subgroup's creator is its Owner, as in GitLab; a project's members are only its own.
      if (kind === 'group') expected[w.owner.user.id] = 50;
      expect(levels(res.json())).toEqual(expected);
      expect(res.json().find((m: Member) => m.id === w.developer.user.id)).toMatchObject({
        username: w.developer.user.username,
        access_level: 30,
        expires_at: null,
        membership_state: 'active',
        bot: false,
      });
    });

    it('inheritance: members/all includes the members of the groups above, each once with their highest role', async () => {
      await setRole(h, { group: w.top }, w.developer.user, AccessLevel.GUEST);
      await setRole(h, { group: w.top }, w.manager.user, AccessLevel.OWNER);
      const all = levels((await w.developer.api.get(`${w.path}/members/all`)).json());
      expect(all).toEqual({ [w.owner.user.id]: 50, [w.manager.user.id]: 50, [w.developer.user.id]: 30, [w.inheritedReporter.user.id]: 20 });
      await setRole(h, { group: w.top }, w.manager.user, AccessLevel.GUEST);
      expect(levels((await w.developer.api.get(`${w.path}/members/all`)).json())[w.manager.user.id]).toBe(kind === 'group' ? 50 : 40);
    });

    it('the members of a private source are 404 to non-members and anonymous callers', async () => {
      for (const api of [w.outsider.api, client(h)]) {
        for (const path of ['members', 'members/all', `members/${w.developer.user.id}`, `members/all/${w.developer.user.id}`]) {
          const res = await api.get(`${w.path}/${path}`);
          expect(res.statusCode).toBe(404);
          expect(res.json()).toEqual({ message: notFound });
        }
      }
    });

    it('GET members/:user_id shows a direct member; members/all/:user_id an inherited one too', async () => {
      const direct = await w.developer.api.get(`${w.path}/members/${w.developer.user.id}`);
      expect(direct.statusCode).toBe(200);
      expect(direct.json()).toMatchObject({ id: w.developer.user.id, access_level: 30 });
      const notDirect = await w.developer.api.get(`${w.path}/members/${w.inheritedReporter.user.id}`);
      expect(notDirect.statusCode).toBe(404);
      expect(notDirect.json()).toEqual({ message: '404 Member Not Found' });
      const inherited = await w.developer.api.get(`${w.path}/members/all/${w.inheritedReporter.user.id}`);
      expect(inherited.json()).toMatchObject({ id: w.inheritedReporter.user.id, access_level: 20 });
      for (const userId of [String(w.outsider.user.id), '2147483647']) {
        expect((await w.developer.api.get(`${w.path}/members/all/${userId}`)).json()).toEqual({ message: '404 Member Not Found' });
      }
      expect((await w.developer.api.get(`${w.path}/members/all/someone`)).json()).toEqual({ error: 'user_id is invalid' });
    });

    it('query filters by username or name', async () => {
      const res = await w.manager.api.get(`${w.path}/members?query=${w.developer.user.username.toUpperCase()}`);
      expect(res.json().map((m: Member) => m.id)).toEqual([w.developer.user.id]);
    });

    it('a manager adds a member (201), who then has that role', async () => {
      const newcomer = await signedIn(h);
      expect((await newcomer.api.get(w.path)).statusCode).toBe(404);
      const res = await w.manager.api.post(`${w.path}/members`, { user_id: newcomer.user.id, access_level: 20, expires_at: '2027-01-31' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ id: newcomer.user.id, username: newcomer.user.username, access_level: 20, expires_at: '2027-01-31', bot: false });
      expect((await newcomer.api.get(w.path)).statusCode).toBe(200);
      expect((await w.developer.api.get(`${w.path}/members/${newcomer.user.id}`)).json()).toMatchObject({ access_level: 20 });
    });

    it('409 "Member already exists", and nothing is written', async () => {
      const before = await snapshot(h);
      const res = await w.manager.api.post(`${w.path}/members`, { user_id: w.developer.user.id, access_level: 20 });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ message: 'Member already exists' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('concurrent additions of one user: one 201, the others 409 (never a 500)', async () => {
      const racer = await makeUser(h);
      const responses = await Promise.all([0, 1, 2, 3].map(() => w.manager.api.post(`${w.path}/members`, { user_id: racer.id, access_level: 10 })));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    });

    it('bots of access tokens cannot be added: 400, nothing written', async () => {
      const bot = await someBot(w.owner.user);
      const before = await snapshot(h);
      const res = await w.manager.api.post(`${w.path}/members`, { user_id: bot.id, access_level: 30 });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(
        kind === 'group'
          ? { message: '400 Bad request - Bot users of access tokens cannot be added to other groups or projects' }
          : { message: { user_id: ['project bots cannot be added to other groups / projects'] } },
      );
      expect(await snapshot(h)).toEqual(before);
    });

    it("§10: a bot's membership cannot be removed with DELETE …/members/:user_id (403), not even by an administrator or the bot itself", async () => {
      const bot = await someBot(w.owner.user);
      await setRole(h, w.source, bot, AccessLevel.MAINTAINER);
      const admin = client(h, (await makePat(h, h.root)).token);
      const asBot = client(h, (await makePat(h, bot)).token);
      const before = await snapshot(h);
      for (const api of [w.manager.api, admin, asBot]) {
        const res = await api.delete(`${w.path}/members/${bot.id}`);
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ message: '403 Forbidden' });
      }
      expect(await snapshot(h)).toEqual(before);
      expect((await w.manager.api.get(`${w.path}/members/${bot.id}`)).json()).toMatchObject({ id: bot.id, bot: true });
    });

    it("bad input is a 4xx in GitLab's shape and writes nothing", async () => {
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
        [{ user_id: 2147483647, access_level: 30 }, 404, { message: '404 User Not Found' }],
      ];
      const before = await snapshot(h);
      for (const [body, status, expected] of cases) {
        const res = await w.manager.api.post(`${w.path}/members`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      for (const api of [w.manager.api, w.outsider.api]) {
        const unknown = await api.post(`/api/v4/${kind}s/no-such-${kind}/members`, { user_id: candidate.id, access_level: 30 });
        expect(unknown.json()).toEqual({ message: notFound });
      }
      expect((await w.outsider.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 10 })).json()).toEqual({ message: notFound });
      expect((await w.developer.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 10 })).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
    });

    it('a manager changes a role and the expiry; null removes the expiry', async () => {
      const member = await makeUser(h);
      await setRole(h, w.source, member, AccessLevel.GUEST);
      const res = await w.manager.api.put(`${w.path}/members/${member.id}`, { access_level: 40, expires_at: '2026-12-31' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: member.id, access_level: 40, expires_at: '2026-12-31' });
      const cleared = await w.manager.api.put(`${w.path}/members/${member.id}`, { access_level: 40, expires_at: null });
      expect(cleared.json()).toMatchObject({ access_level: 40, expires_at: null });
    });

    it('unknown members are 404; bad values are 400; a Developer may not change roles (403); nothing changes', async () => {
      const before = await snapshot(h);
      const cases: [string, unknown, number, unknown][] = [
        [String(w.outsider.user.id), { access_level: 30 }, 404, { message: '404 Member Not Found' }],
        // Inherited, not a direct member: PUT changes direct memberships only.
        [String(w.inheritedReporter.user.id), { access_level: 30 }, 404, { message: '404 Member Not Found' }],
        ['2147483647', { access_level: 30 }, 404, { message: '404 Member Not Found' }],
        ['abc', { access_level: 30 }, 400, { error: 'user_id is invalid' }],
        [String(w.developer.user.id), {}, 400, { error: 'access_level is missing' }],
        [String(w.developer.user.id), { access_level: 45 }, 400, { error: 'access_level does not have a valid value' }],
      ];
      for (const [userId, body, status, expected] of cases) {
        const res = await w.manager.api.put(`${w.path}/members/${userId}`, body);
        expect(res.statusCode, `${userId} ${JSON.stringify(body)}`).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      expect((await w.developer.api.put(`${w.path}/members/${w.developer.user.id}`, { access_level: 10 })).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
    });

    it('a manager removes a member (204), who loses access to the private source', async () => {
      const leaving = await signedIn(h);
      await setRole(h, w.source, leaving.user, AccessLevel.REPORTER);
      expect((await leaving.api.get(w.path)).statusCode).toBe(200);
      const res = await w.manager.api.delete(`${w.path}/members/${leaving.user.id}`);
      expect(res.statusCode).toBe(204);
      expect((await leaving.api.get(w.path)).statusCode).toBe(404);
    });

    it('members may leave; removing someone else needs a manager (403), and nothing is removed', async () => {
      const stays = await makeUser(h);
      await setRole(h, w.source, stays, AccessLevel.GUEST);
      const before = await snapshot(h);
      expect((await w.developer.api.delete(`${w.path}/members/${stays.id}`)).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
      const leaver = await signedIn(h);
      await setRole(h, w.source, leaver.user, AccessLevel.GUEST);
      expect((await leaver.api.delete(`${w.path}/members/${leaver.user.id}`)).statusCode).toBe(204);
    });

    it('a user who is not a member is 404 "404 Member Not Found"', async () => {
      const res = await w.manager.api.delete(`${w.path}/members/${w.outsider.user.id}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ message: '404 Member Not Found' });
    });

    it('an administrator manages members of any source (counts as Owner, T8)', async () => {
      const admin = client(h, (await makePat(h, h.root)).token);
      const member = await makeUser(h);
      expect((await admin.post(`${w.path}/members`, { user_id: member.id, access_level: 50 })).statusCode).toBe(201);
      expect((await admin.delete(`${w.path}/members/${member.id}`)).statusCode).toBe(204);
    });
  });

  describe('group members only', () => {
    it('only Owners manage group members: a Maintainer gets 403 (even for a role below their own), nothing written', async () => {
      const w = await world('group');
      const maintainer = await signedIn(h);
      await setRole(h, w.source, maintainer.user, AccessLevel.MAINTAINER);
      const candidate = await makeUser(h);
      const before = await snapshot(h);
      for (const access_level of [10, 40, 50]) {
        const res = await maintainer.api.post(`${w.path}/members`, { user_id: candidate.id, access_level });
        expect(res.statusCode).toBe(403);
      }
      for (const userId of [maintainer.user.id, w.developer.user.id]) {
        expect((await maintainer.api.put(`${w.path}/members/${userId}`, { access_level: 50 })).statusCode).toBe(403);
      }
      expect(await snapshot(h)).toEqual(before);
    });

    it('inheritance: a member of a group has at least that role in every project below it', async () => {
      const w = await world('group');
      const project = await makeProject(h, 'group' in w.source ? w.source.group : w.top);
      // Developer in the group: may read the private project and open issues in it; an outsider may not.
      expect((await w.developer.api.get(`/api/v4/projects/${project.id}`)).statusCode).toBe(200);
      expect((await w.developer.api.post(`/api/v4/projects/${project.id}/issues`, { title: 'inherited access' })).statusCode).toBe(201);
      expect((await w.outsider.api.get(`/api/v4/projects/${project.id}`)).statusCode).toBe(404);
    });

    it('the last Owner of a top-level group cannot be demoted (403), and nothing changes', async () => {
      const solo = await signedIn(h);
      const group = await makeGroup(h, solo.user, { path: `solo-${++serial}` });
      const before = await snapshot(h);
      const res = await solo.api.put(`/api/v4/groups/${group.id}/members/${solo.user.id}`, { access_level: 40 });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden - A group must keep at least one Owner' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('the last Owner cannot be removed (403); a second Owner makes it possible', async () => {
      const solo = await signedIn(h);
      const group = await makeGroup(h, solo.user, { path: `last-owner-${++serial}` });
      const before = await snapshot(h);
      const res = await solo.api.delete(`/api/v4/groups/${group.id}/members/${solo.user.id}`);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ message: '403 Forbidden - A group must keep at least one Owner' });
      expect(await snapshot(h)).toEqual(before);
      const other = await makeUser(h);
      await setRole(h, { group }, other, AccessLevel.OWNER);
      expect((await solo.api.delete(`/api/v4/groups/${group.id}/members/${solo.user.id}`)).statusCode).toBe(204);
    });

    it('two Owners demoting or removing each other at the same moment: one wins, an Owner always remains', async () => {
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([signedIn(h), signedIn(h)]);
        const group = await makeGroup(h, a.user, { path: `duel-${++serial}` });
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
  });

  describe('project members only (GITLAB-BEHAVIOR §10)', () => {
    it('§10: a project Maintainer, direct or inherited, manages project members; a Developer gets 403 and nothing is written', async () => {
      const w = await world('project');
      const inheritedMaintainer = await signedIn(h);
      await setRole(h, { group: w.top }, inheritedMaintainer.user, AccessLevel.MAINTAINER);
      for (const maintainer of [w.manager, inheritedMaintainer]) {
        const candidate = await makeUser(h);
        const added = await maintainer.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 40 });
        expect(added.statusCode).toBe(201);
        expect((await maintainer.api.put(`${w.path}/members/${candidate.id}`, { access_level: 20 })).statusCode).toBe(200);
        expect((await maintainer.api.delete(`${w.path}/members/${candidate.id}`)).statusCode).toBe(204);
      }
      const candidate = await makeUser(h);
      const before = await snapshot(h);
      expect((await w.developer.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 10 })).statusCode).toBe(403);
      expect((await w.developer.api.delete(`${w.path}/members/${w.manager.user.id}`)).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
    });

    it("§10: a project role can't exceed the caller's own: a Maintainer cannot give, take away or hold Owner (403), nothing written", async () => {
      const w = await world('project');
      const candidate = await makeUser(h);
      const projectOwner = await makeUser(h);
      await setRole(h, w.source, projectOwner, AccessLevel.OWNER);
      const before = await snapshot(h);
      const refusals = [
        await w.manager.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 50 }),
        await w.manager.api.put(`${w.path}/members/${w.manager.user.id}`, { access_level: 50 }),
        await w.manager.api.put(`${w.path}/members/${w.developer.user.id}`, { access_level: 50 }),
        await w.manager.api.put(`${w.path}/members/${projectOwner.id}`, { access_level: 30 }),
      ];
      expect(refusals.map((r) => r.statusCode)).toEqual([403, 403, 403, 403]);
      expect(refusals[0]!.json()).toEqual({ message: '403 Forbidden - You cannot assign a role higher than your own' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('§10: an inherited group Owner counts as project Owner: gives and changes the Owner role on the project', async () => {
      const w = await world('project');
      const candidate = await makeUser(h);
      const added = await w.owner.api.post(`${w.path}/members`, { user_id: candidate.id, access_level: 50 });
      expect(added.statusCode).toBe(201);
      expect(added.json()).toMatchObject({ id: candidate.id, access_level: 50 });
      expect((await w.owner.api.put(`${w.path}/members/${candidate.id}`, { access_level: 30 })).json()).toMatchObject({ access_level: 30 });
      expect((await w.owner.api.put(`${w.path}/members/${w.manager.user.id}`, { access_level: 50 })).json()).toMatchObject({ access_level: 50 });
    });

    it("a project member's role is the highest of its direct role and its inherited group roles (members/all, managing, issues)", async () => {
      const w = await world('project');
      const projectId = w.path.split('/').pop()!;
      // Guest of the project directly, Maintainer through the group: a Maintainer here.
      const promoted = await signedIn(h);
      await setRole(h, w.source, promoted.user, AccessLevel.GUEST);
      await setRole(h, { group: w.top }, promoted.user, AccessLevel.MAINTAINER);
      expect((await promoted.api.get(`${w.path}/members/${promoted.user.id}`)).json()).toMatchObject({ access_level: 10 });
      expect((await promoted.api.get(`${w.path}/members/all/${promoted.user.id}`)).json()).toMatchObject({ access_level: 40 });
      expect((await promoted.api.post(`${w.path}/members`, { user_id: (await makeUser(h)).id, access_level: 40 })).statusCode).toBe(201);
      // A direct project member only: reads the private project and opens issues; nothing in the group.
      expect((await w.developer.api.get(`/api/v4/projects/${projectId}`)).statusCode).toBe(200);
      expect((await w.developer.api.post(`/api/v4/projects/${projectId}/issues`, { title: 'direct member' })).statusCode).toBe(201);
      expect((await w.developer.api.get(`/api/v4/groups/${w.top.id}`)).statusCode).toBe(404);
      expect((await w.developer.api.get('/api/v4/projects?membership=true')).json().map((p: { id: number }) => p.id)).toEqual([Number(projectId)]);
    });

    it('a project does not need an Owner: its only direct Owner may leave', async () => {
      const w = await world('project');
      const soleOwner = await signedIn(h);
      await setRole(h, w.source, soleOwner.user, AccessLevel.OWNER);
      expect((await soleOwner.api.delete(`${w.path}/members/${soleOwner.user.id}`)).statusCode).toBe(204);
    });
  });
});
