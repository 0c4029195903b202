import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, setRole, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { GroupRow } from '../../store/schema.js';

type Caller = Awaited<ReturnType<typeof signedIn>>;
const JSON_TYPE = { 'content-type': 'application/json' };
const GROUP_NOT_FOUND = { message: '404 Group Not Found' };

describe.each(TEST_DIALECTS)('group routes (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let owner: Caller, maintainer: Caller, developer: Caller, reporter: Caller, outsider: Caller, external: Caller;
  let top: GroupRow;
  let sub: GroupRow;
  beforeAll(async () => {
    h = await createHarness(dialect);
    admin = client(h, (await makePat(h, h.root)).token);
    [owner, maintainer, developer, reporter, outsider] = await Promise.all([signedIn(h), signedIn(h), signedIn(h), signedIn(h), signedIn(h)]);
    external = await signedIn(h, { external: true });
    top = await makeGroup(h, owner.user, { path: 'top', name: 'Top' });
    sub = await makeGroup(h, owner.user, { path: 'sub', name: 'Sub', parent: top });
    await setRole(h, { group: top }, maintainer.user, AccessLevel.MAINTAINER);
    await setRole(h, { group: top }, developer.user, AccessLevel.DEVELOPER);
    await setRole(h, { group: top }, reporter.user, AccessLevel.REPORTER);
  });
  afterAll(() => h.close());

  describe("GET /groups/:id/abilities (Tollgate's own: what the web UI shows)", () => {
    const abilitiesOf = async (who: Caller | ReturnType<typeof client>, group: GroupRow) => {
      const api = 'api' in who ? who.api : who;
      const res = await api.get(`/api/v4/groups/${group.id}/abilities`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };

    it("follows GitLab's roles, inherited down the hierarchy (§2.0: tokens are the Owners')", async () => {
      expect(await abilitiesOf(owner, sub)).toEqual({
        admin_group: true,
        admin_group_member: true,
        create_subgroup: true,
        create_projects: true,
        read_resource_access_tokens: true,
        create_resource_access_token: true,
        access_level: 50,
      });
      expect(await abilitiesOf(maintainer, sub)).toEqual({
        admin_group: false,
        admin_group_member: false,
        create_subgroup: true,
        create_projects: true,
        read_resource_access_tokens: false,
        create_resource_access_token: false,
        access_level: 40,
      });
      expect(await abilitiesOf(reporter, top)).toMatchObject({ create_subgroup: false, create_projects: false, access_level: 20 });
    });

    it('an administrator counts as Owner without being a member (T8)', async () => {
      expect(await abilitiesOf(admin, top)).toMatchObject({ admin_group: true, create_resource_access_token: true, access_level: 50 });
    });

    it("the top-level group's creation switch takes token creation away from Owners (§6), not reading", async () => {
      const mine = await makeGroup(h, owner.user, { path: 'switched-off' });
      expect((await owner.api.put(`/api/v4/groups/${mine.id}`, { resource_access_token_creation_allowed: false })).statusCode).toBe(200);
      expect(await abilitiesOf(owner, mine)).toMatchObject({ read_resource_access_tokens: true, create_resource_access_token: false, access_level: 50 });
    });

    it('a group the caller cannot see is 404, as everywhere else', async () => {
      expect((await outsider.api.get(`/api/v4/groups/${top.id}/abilities`)).json()).toEqual(GROUP_NOT_FOUND);
      expect((await client(h).get(`/api/v4/groups/${top.id}/abilities`)).statusCode).toBe(404);
    });
  });

  describe('POST /groups', () => {
    it('creates a top-level group (201) whose creator is its Owner', async () => {
      const res = await outsider.api.post('/api/v4/groups', { name: 'Mine', path: 'mine', description: 'my group' });
      expect(res.statusCode).toBe(201);
      const group = res.json();
      expect(group).toMatchObject({
        name: 'Mine',
        path: 'mine',
        full_path: 'mine',
        full_name: 'Mine',
        description: 'my group',
        visibility: 'private',
        parent_id: null,
        web_url: 'http://tollgate.test/groups/mine',
      });
      const members = (await outsider.api.get(`/api/v4/groups/${group.id}/members`)).json();
      expect(members).toEqual([expect.objectContaining({ id: outsider.user.id, access_level: 50 })]);
    });

    it('with parent_id, a subgroup under its parent\'s path', async () => {
      const res = await owner.api.post('/api/v4/groups', { name: 'Child', path: 'child', parent_id: top.id });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ full_path: 'top/child', full_name: 'Top / Child', parent_id: top.id });
    });

    it('a path taken by a group (in any case) or by a project of the parent is 400, and nothing is written', async () => {
      await makeProject(h, top, { path: 'proj' });
      const before = await snapshot(h);
      for (const body of [{ name: 'x', path: 'TOP' }, { name: 'x', path: 'Sub', parent_id: top.id }, { name: 'x', path: 'proj', parent_id: top.id }]) {
        const res = await owner.api.post('/api/v4/groups', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json()).toEqual({ message: '400 Bad request - Failed to save group {:path=>["has already been taken"]}' });
      }
      expect(await snapshot(h)).toEqual(before);
    });

    it('a top-level group cannot take a reserved path (the web UI, the API); a subgroup may', async () => {
      const before = await snapshot(h);
      for (const path of ['groups', 'API', 'users']) {
        const res = await owner.api.post('/api/v4/groups', { name: path, path });
        expect(res.statusCode, path).toBe(400);
        expect(res.json()).toEqual({ message: `400 Bad request - Path ${path} is a reserved name` });
      }
      expect(await snapshot(h)).toEqual(before);
      expect((await owner.api.post('/api/v4/groups', { name: 'groups', path: 'groups', parent_id: top.id })).statusCode).toBe(201);
    });

    it('concurrent requests for one path: one 201, the others 400 (the unique index decides, never a 500)', async () => {
      const responses = await Promise.all([0, 1, 2, 3, 4].map(() => outsider.api.post('/api/v4/groups', { name: 'Race', path: 'race' })));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 400, 400, 400, 400]);
      for (const res of responses.filter((r) => r.statusCode === 400)) {
        expect(res.json()).toEqual({ message: '400 Bad request - Failed to save group {:path=>["has already been taken"]}' });
      }
    });

    it('bad input is a 4xx in GitLab\'s shape and writes nothing', async () => {
      const cases: [unknown, Record<string, string> | undefined, number, unknown][] = [
        ['', JSON_TYPE, 400, { error: 'name is missing' }],
        ['   ', JSON_TYPE, 400, { error: 'name is missing' }],
        ['{"name":"x",', JSON_TYPE, 400, { message: '400 The request body is not valid JSON' }],
        ['[1,2]', JSON_TYPE, 400, { error: 'body is invalid' }],
        [{ name: 'x' }, undefined, 400, { error: 'path is missing' }],
        [{ name: 'x', path: 'ok-path', visibility: 'secret' }, undefined, 400, { error: 'visibility does not have a valid value' }],
        [{ name: 'x', path: 'ok-path', parent_id: 'abc' }, undefined, 400, { error: 'parent_id is invalid' }],
        [{ name: { nested: true }, path: 'ok-path' }, undefined, 400, { error: 'name is invalid' }],
        [{ name: 'x'.repeat(1025), path: 'ok-path' }, undefined, 400, { error: 'name is invalid' }],
        [{ name: 'x', path: 'nul\u0000path' }, undefined, 400, { error: 'path is invalid' }],
        [{ name: 'x'.repeat(300), path: 'ok-path' }, undefined, 400, { message: '400 Bad request - Name is too long (maximum is 255 characters)' }],
        [{ name: ' ', path: 'ok-path' }, undefined, 400, { message: "400 Bad request - Name can't be blank" }],
        [{ name: 'x', path: 'a/b' }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Path can contain only/) }],
        [{ name: 'x', path: '-dash' }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Path can contain only/) }],
        [{ name: 'x', path: 'repo.git' }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Path can contain only/) }],
        [{ name: 'x', path: 'pub', parent_id: top.id, visibility: 'public' }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Visibility level public is not allowed in a private group/) }],
        [{ name: 'x', path: 'ok-path', parent_id: 99999 }, undefined, 404, GROUP_NOT_FOUND],
        [{ name: 'x', path: 'ok-path', parent_id: 2147483647 }, undefined, 404, GROUP_NOT_FOUND],
      ];
      const before = await snapshot(h);
      for (const [body, headers, status, expected] of cases) {
        const res = await owner.api.post('/api/v4/groups', body, headers);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      const noBody = await h.app.inject({ method: 'POST', url: '/api/v4/groups', headers: { 'private-token': owner.token } });
      expect(noBody.json()).toEqual({ error: 'name is missing' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('Maintainers create subgroups; Developers cannot (403, nothing written); a private parent you cannot see is 404', async () => {
      const created = await maintainer.api.post('/api/v4/groups', { name: 'By maintainer', path: 'by-maintainer', parent_id: top.id });
      expect(created.statusCode).toBe(201);
      const before = await snapshot(h);
      const denied = await developer.api.post('/api/v4/groups', { name: 'By developer', path: 'by-developer', parent_id: top.id });
      expect(denied.statusCode).toBe(403);
      expect(denied.json()).toEqual({ message: '403 Forbidden' });
      const hidden = await outsider.api.post('/api/v4/groups', { name: 'x', path: 'by-outsider', parent_id: top.id });
      expect(hidden.statusCode).toBe(404);
      expect(await snapshot(h)).toEqual(before);
    });

    it('an inherited Maintainer role counts in subgroups', async () => {
      const res = await maintainer.api.post('/api/v4/groups', { name: 'Deep', path: 'deep', parent_id: sub.id });
      expect(res.statusCode).toBe(201);
      expect(res.json().full_path).toBe('top/sub/deep');
    });
  });

  describe('GET /groups/:id', () => {
    it('by numeric id and by URL-encoded full path (any case)', async () => {
      for (const id of [String(sub.id), 'top%2Fsub', 'TOP%2FSub']) {
        const res = await owner.api.get(`/api/v4/groups/${id}`);
        expect(res.statusCode, id).toBe(200);
        expect(res.json()).toMatchObject({ id: sub.id, full_path: 'top/sub', full_name: 'Top / Sub', parent_id: top.id });
      }
    });

    it('unknown groups, malformed and out-of-range ids are 404 "404 Group Not Found"', async () => {
      for (const id of ['999999', '99999999999999', '-1', 'no%2Fsuch%2Fgroup', 'top%2F', '%20', 'x'.repeat(300), 'nul%00']) {
        const res = await owner.api.get(`/api/v4/groups/${id}`);
        expect(res.statusCode, id).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, id).toBeLessThan(500);
        if (id !== 'nul%00') expect(res.json(), id).toEqual(GROUP_NOT_FOUND);
      }
    });
  });

  describe('visibility', () => {
    it('a private group is 404 to non-members and to anonymous callers, and visible to members of a group above it', async () => {
      for (const api of [outsider.api, client(h)]) {
        for (const id of [top.id, sub.id]) {
          const res = await api.get(`/api/v4/groups/${id}`);
          expect(res.statusCode).toBe(404);
          expect(res.json()).toEqual(GROUP_NOT_FOUND);
        }
      }
      expect((await reporter.api.get(`/api/v4/groups/${sub.id}`)).statusCode).toBe(200);
      expect((await admin.get(`/api/v4/groups/${sub.id}`)).statusCode).toBe(200);
    });

    it('an internal group is visible to any signed-in non-external user, 404 to external users and anonymous callers', async () => {
      const internal = await makeGroup(h, owner.user, { path: 'internal-group', visibility: 'internal' });
      expect((await outsider.api.get(`/api/v4/groups/${internal.id}`)).statusCode).toBe(200);
      expect((await external.api.get(`/api/v4/groups/${internal.id}`)).statusCode).toBe(404);
      expect((await client(h).get(`/api/v4/groups/${internal.id}`)).statusCode).toBe(404);
    });

    it('a public group is open to anonymous callers, who list only public groups', async () => {
      const pub = await makeGroup(h, owner.user, { path: 'public-group', visibility: 'public' });
      expect((await client(h).get(`/api/v4/groups/${pub.id}`)).statusCode).toBe(200);
      const listed = (await client(h).get('/api/v4/groups?per_page=100')).json() as { visibility: string; id: number }[];
      expect(listed.map((g) => g.id)).toContain(pub.id);
      expect(listed.every((g) => g.visibility === 'public')).toBe(true);
    });
  });

  describe('GET /groups', () => {
    it('a signed-in user lists the groups they belong to (inherited included); all_available adds every group they can see', async () => {
      await makeGroup(h, owner.user, { path: 'seen-by-all', visibility: 'internal' });
      const mine = ((await reporter.api.get('/api/v4/groups?per_page=100')).json() as { full_path: string }[]).map((g) => g.full_path);
      expect(mine).toEqual(expect.arrayContaining(['top', 'top/sub']));
      expect(mine).not.toContain('seen-by-all');
      const available = ((await reporter.api.get('/api/v4/groups?all_available=true&per_page=100')).json() as { full_path: string }[]).map((g) => g.full_path);
      expect(available).toEqual(expect.arrayContaining(['top', 'top/sub', 'seen-by-all']));
      expect(((await outsider.api.get('/api/v4/groups?all_available=true&per_page=100')).json() as { full_path: string }[]).map((g) => g.full_path)).not.toContain('top');
    });

    it('administrators see every group; search, owned, min_access_level and top_level_only narrow the list', async () => {
      const all = ((await admin.get('/api/v4/groups?per_page=100')).json() as { id: number }[]).map((g) => g.id);
      expect(all).toEqual(expect.arrayContaining([top.id, sub.id]));
      const names = async (api: ReturnType<typeof client>, query: string) =>
        ((await api.get(`/api/v4/groups?per_page=100&${query}`)).json() as { full_path: string }[]).map((g) => g.full_path);
      expect(await names(admin, 'search=sub')).toContain('top/sub');
      expect(await names(admin, 'search=sub')).not.toContain('top');
      expect(await names(reporter.api, 'owned=true')).toEqual([]);
      expect(await names(maintainer.api, 'min_access_level=40')).toEqual(expect.arrayContaining(['top', 'top/sub']));
      expect(await names(reporter.api, 'min_access_level=30')).toEqual([]);
      expect(await names(reporter.api, 'top_level_only=true')).toEqual(['top']);
      const bad = await admin.get('/api/v4/groups?min_access_level=35');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: 'min_access_level does not have a valid value' });
    });
  });

  describe('PUT /groups/:id', () => {
    it('Owners change the name, description and visibility', async () => {
      const group = await makeGroup(h, owner.user, { path: 'changeable' });
      const res = await owner.api.put('/api/v4/groups/changeable', { name: 'Renamed', description: 'now described', visibility: 'internal' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: group.id, name: 'Renamed', description: 'now described', visibility: 'internal', path: 'changeable' });
      expect((await owner.api.get(`/api/v4/groups/${group.id}`)).json().name).toBe('Renamed');
      const unchanged = await owner.api.put(`/api/v4/groups/${group.id}`, '', JSON_TYPE);
      expect(unchanged.statusCode).toBe(200);
      expect(unchanged.json().name).toBe('Renamed');
    });

    it('token settings: false stays false and null means inherit again (no coercion of one into the other)', async () => {
      const group = await makeGroup(h, owner.user, { path: 'token-settings' });
      const put = async (body: unknown) => (await owner.api.put(`/api/v4/groups/${group.id}`, body)).json();
      expect(await put({ resource_access_token_notify_inherited: false })).toMatchObject({ resource_access_token_notify_inherited: false });
      expect(await put({ resource_access_token_notify_inherited: true, lock_resource_access_token_notify_inherited: true })).toMatchObject({
        resource_access_token_notify_inherited: true,
        lock_resource_access_token_notify_inherited: true,
      });
      expect(await put({ resource_access_token_notify_inherited: null })).toMatchObject({ resource_access_token_notify_inherited: null });
      expect(await put({ resource_access_token_creation_allowed: false })).toMatchObject({ resource_access_token_creation_allowed: false });
    });

    it('only Owners: a Maintainer gets 403 and nothing changes', async () => {
      const before = await snapshot(h);
      const res = await maintainer.api.put(`/api/v4/groups/${top.id}`, { name: 'Taken over' });
      expect(res.statusCode).toBe(403);
      expect((await outsider.api.put(`/api/v4/groups/${top.id}`, { name: 'Taken over' })).statusCode).toBe(404);
      expect(await snapshot(h)).toEqual(before);
    });

    it('bad values are 400 and change nothing', async () => {
      const parent = await makeGroup(h, owner.user, { path: 'public-parent', visibility: 'public' });
      await makeGroup(h, owner.user, { path: 'public-child', parent, visibility: 'public' });
      const cases: [GroupRow, unknown, unknown][] = [
        [top, { visibility: 'hidden' }, { error: 'visibility does not have a valid value' }],
        [top, { resource_access_token_creation_allowed: 'sure' }, { error: 'resource_access_token_creation_allowed is invalid' }],
        [top, { name: '' }, { message: "400 Bad request - Name can't be blank or longer than 255 characters" }],
        [sub, { visibility: 'public' }, { message: expect.stringMatching(/^400 Bad request - Visibility level public is not allowed in a private group/) }],
        [sub, { resource_access_token_creation_allowed: false }, { message: '400 Bad request - Resource access token creation allowed is not allowed since the group is not top-level group.' }],
        [parent, { visibility: 'private' }, { message: '400 Bad request - Visibility level private is not allowed since there are sub-groups with higher visibility.' }],
      ];
      const before = await snapshot(h);
      for (const [group, body, expected] of cases) {
        const res = await owner.api.put(`/api/v4/groups/${group.id}`, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json()).toEqual(expected);
      }
      expect((await owner.api.put('/api/v4/groups/99999', { name: 'x' })).json()).toEqual(GROUP_NOT_FOUND);
      expect(await snapshot(h)).toEqual(before);
    });

    it('a group holding a more visible project cannot become less visible than it', async () => {
      const group = await makeGroup(h, owner.user, { path: 'holds-internal', visibility: 'internal' });
      await makeProject(h, group, { visibility: 'internal' });
      const res = await owner.api.put(`/api/v4/groups/${group.id}`, { visibility: 'private' });
      expect(res.json()).toEqual({ message: '400 Bad request - Visibility level private is not allowed since this group contains projects with higher visibility.' });
    });
  });

  describe('DELETE /groups/:id', () => {
    it('only Owners: a Maintainer gets 403 and the group stays', async () => {
      const before = await snapshot(h);
      expect((await maintainer.api.delete(`/api/v4/groups/${sub.id}`)).statusCode).toBe(403);
      expect(await snapshot(h)).toEqual(before);
    });

    it('an Owner deletes a group with its subgroups, projects and memberships: 202, then 404', async () => {
      const doomed = await makeGroup(h, owner.user, { path: 'doomed' });
      const child = await makeGroup(h, owner.user, { path: 'doomed-child', parent: doomed });
      const project = await makeProject(h, child);
      await setRole(h, { group: child }, outsider.user, AccessLevel.DEVELOPER);
      const res = await owner.api.delete('/api/v4/groups/doomed');
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ message: '202 Accepted' });
      expect((await admin.get(`/api/v4/groups/${doomed.id}`)).statusCode).toBe(404);
      expect((await admin.get(`/api/v4/groups/${child.id}`)).statusCode).toBe(404);
      expect((await admin.get(`/api/v4/projects/${project.id}`)).statusCode).toBe(404);
      const left = await h.ctx.database.db.selectFrom('members').select('id').where('source_id', 'in', [doomed.id, child.id]).where('source_type', '=', 'group').execute();
      expect(left).toEqual([]);
    });
  });

  describe('GET /groups/:id/subgroups and /groups/:id/projects', () => {
    it('subgroups: the direct children the caller can see', async () => {
      const res = await reporter.api.get('/api/v4/groups/top/subgroups?per_page=100');
      expect(res.statusCode).toBe(200);
      const paths = (res.json() as { full_path: string }[]).map((g) => g.full_path);
      expect(paths).toContain('top/sub');
      expect(paths).not.toContain('top/sub/deep');
      expect((await outsider.api.get('/api/v4/groups/top/subgroups')).statusCode).toBe(404);
    });

    it('projects: the group\'s own, or with include_subgroups those below it too', async () => {
      const group = await makeGroup(h, owner.user, { path: 'with-projects' });
      const inner = await makeGroup(h, owner.user, { path: 'inner', parent: group });
      const own = await makeProject(h, group, { path: 'own' });
      const below = await makeProject(h, inner, { path: 'below' });
      const direct = (await owner.api.get(`/api/v4/groups/${group.id}/projects`)).json() as { id: number; path_with_namespace: string }[];
      expect(direct.map((p) => p.id)).toEqual([own.id]);
      expect(direct[0]!.path_with_namespace).toBe('with-projects/own');
      const all = (await owner.api.get('/api/v4/groups/with-projects/projects?include_subgroups=true')).json() as { id: number }[];
      expect(all.map((p) => p.id)).toEqual([own.id, below.id]);
      expect((await owner.api.get('/api/v4/groups/with-projects/projects?include_subgroups=perhaps')).json()).toEqual({ error: 'include_subgroups is invalid' });
    });
  });
});
