import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, setRole, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { GroupRow, ProjectRow } from '../../store/schema.js';

type Caller = Awaited<ReturnType<typeof signedIn>>;
const PROJECT_NOT_FOUND = { message: '404 Project Not Found' };
const JSON_TYPE = { 'content-type': 'application/json' };
const ids = (res: { json(): { id: number }[] }) => res.json().map((p) => p.id);

describe.each(TEST_DIALECTS)('project routes (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let owner: Caller, developer: Caller, reporter: Caller, outsider: Caller, external: Caller;
  let acme: GroupRow, tools: GroupRow;
  let secret: ProjectRow, internal: ProjectRow, open: ProjectRow;
  beforeAll(async () => {
    h = await createHarness(dialect);
    admin = client(h, (await makePat(h, h.root)).token);
    [owner, developer, reporter, outsider] = await Promise.all([signedIn(h), signedIn(h), signedIn(h), signedIn(h)]);
    external = await signedIn(h, { external: true });
    acme = await makeGroup(h, owner.user, { path: 'acme', name: 'Acme' });
    tools = await makeGroup(h, owner.user, { path: 'tools', name: 'Tools', parent: acme });
    await setRole(h, { group: acme }, developer.user, AccessLevel.DEVELOPER);
    await setRole(h, { group: acme }, reporter.user, AccessLevel.REPORTER);
    secret = await makeProject(h, tools, { path: 'secret' });
    const shared = await makeGroup(h, owner.user, { path: 'shared', visibility: 'internal' });
    internal = await makeProject(h, shared, { path: 'handbook', visibility: 'internal' });
    const community = await makeGroup(h, owner.user, { path: 'community', visibility: 'public' });
    open = await makeProject(h, community, { path: 'open', visibility: 'public' });
  });
  afterAll(() => h.close());

  describe('POST /projects', () => {
    it('a Developer creates a project in a group by id (201), with GitLab\'s project fields', async () => {
      const res = await developer.api.post('/api/v4/projects', { name: 'Widget', path: 'widget', namespace_id: tools.id, description: 'makes widgets' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        name: 'Widget',
        path: 'widget',
        path_with_namespace: 'acme/tools/widget',
        name_with_namespace: 'Acme / Tools / Widget',
        description: 'makes widgets',
        visibility: 'private',
        web_url: 'http://tollgate.test/acme/tools/widget',
        http_url_to_repo: 'http://tollgate.test/acme/tools/widget.git',
        namespace: { id: tools.id, full_path: 'acme/tools', kind: 'group' },
        creator_id: developer.user.id,
      });
    });

    it('namespace_id may be the full path; the path defaults from the name, the name from the path', async () => {
      const byName = await developer.api.post('/api/v4/projects', { name: 'My Fine App', namespace_id: 'acme/tools' });
      expect(byName.json()).toMatchObject({ name: 'My Fine App', path: 'my-fine-app' });
      const byPath = await developer.api.post('/api/v4/projects', { path: 'only-path', namespace_id: 'ACME' });
      expect(byPath.json()).toMatchObject({ name: 'only-path', path: 'only-path', path_with_namespace: 'acme/only-path' });
    });

    it('a Reporter cannot create projects (403); someone who cannot see the group gets 404; nothing is written', async () => {
      const before = await snapshot(h);
      const denied = await reporter.api.post('/api/v4/projects', { name: 'nope', namespace_id: acme.id });
      expect(denied.statusCode).toBe(403);
      expect(denied.json()).toEqual({ message: '403 Forbidden' });
      const hidden = await outsider.api.post('/api/v4/projects', { name: 'nope', namespace_id: acme.id });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json()).toEqual({ message: '404 Group Not Found' });
      expect(await snapshot(h)).toEqual(before);
    });

    it('bad input is a 4xx in GitLab\'s shape and writes nothing', async () => {
      const cases: [unknown, Record<string, string> | undefined, number, unknown][] = [
        ['', JSON_TYPE, 400, { error: 'namespace_id is missing' }],
        ['{"name": nope}', JSON_TYPE, 400, { message: '400 The request body is not valid JSON' }],
        [{ name: 'x' }, undefined, 400, { error: 'namespace_id is missing' }],
        [{ namespace_id: acme.id }, undefined, 400, { error: 'name, path are missing, at least one parameter must be provided' }],
        [{ name: 'x', namespace_id: acme.id, visibility: 'everyone' }, undefined, 400, { error: 'visibility does not have a valid value' }],
        [{ name: 'x', namespace_id: { id: 1 } }, undefined, 400, { error: 'namespace_id is invalid' }],
        [{ name: 'x'.repeat(1025), namespace_id: acme.id }, undefined, 400, { error: 'name is invalid' }],
        [{ name: 'x\u0000', namespace_id: acme.id }, undefined, 400, { error: 'name is invalid' }],
        [{ name: 'x'.repeat(256), path: 'long', namespace_id: acme.id }, undefined, 400, { message: '400 Bad request - Name is too long (maximum is 255 characters)' }],
        [{ name: 'x', path: '.hidden', namespace_id: acme.id }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Path can contain only/) }],
        [{ name: 'x', namespace_id: acme.id, visibility: 'public' }, undefined, 400, { message: expect.stringMatching(/^400 Bad request - Visibility level public is not allowed in a private group/) }],
        [{ name: 'Secret', namespace_id: tools.id }, undefined, 400, { message: '400 Bad request - Path has already been taken' }],
        // A subgroup already has this path in the group: projects and subgroups share it.
        [{ name: 'x', path: 'tools', namespace_id: acme.id }, undefined, 400, { message: '400 Bad request - Path has already been taken' }],
        [{ name: 'x', namespace_id: 99999999999 }, undefined, 404, { message: '404 Group Not Found' }],
        [{ name: 'x', namespace_id: 'no/such/group' }, undefined, 404, { message: '404 Group Not Found' }],
      ];
      const before = await snapshot(h);
      for (const [body, headers, status, expected] of cases) {
        const res = await owner.api.post('/api/v4/projects', body, headers);
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(res.json()).toEqual(expected);
      }
      expect(await snapshot(h)).toEqual(before);
    });
  });

  describe('GET /projects/:id', () => {
    it('by numeric id and by URL-encoded full path (any case)', async () => {
      for (const id of [String(secret.id), 'acme%2Ftools%2Fsecret', 'Acme%2FTools%2FSECRET']) {
        const res = await developer.api.get(`/api/v4/projects/${id}`);
        expect(res.statusCode, id).toBe(200);
        expect(res.json()).toMatchObject({ id: secret.id, path_with_namespace: 'acme/tools/secret' });
      }
    });

    it('unknown projects, malformed and out-of-range ids are 404 "404 Project Not Found"', async () => {
      for (const id of ['999999', '99999999999999', 'acme%2Fnope', 'secret', 'acme%2Ftools%2F', '%2Fsecret', 'a%2Fb%2Fc%2Fd%2Fe']) {
        const res = await admin.get(`/api/v4/projects/${id}`);
        expect(res.statusCode, id).toBe(404);
        expect(res.json()).toEqual(PROJECT_NOT_FOUND);
      }
    });
  });

  describe("GET /projects/:id/abilities (Tollgate's own: what the web UI shows)", () => {
    const abilitiesOf = async (api: ReturnType<typeof client>, project: ProjectRow) => {
      const res = await api.get(`/api/v4/projects/${project.id}/abilities`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };

    it('§10 admin_project: Maintainers manage project access tokens, not only Owners; Developers do not', async () => {
      const maintainer = await signedIn(h);
      await setRole(h, { group: acme }, maintainer.user, AccessLevel.MAINTAINER);
      const full = { admin_project: true, read_resource_access_tokens: true, create_resource_access_token: true };
      expect(await abilitiesOf(maintainer.api, secret)).toEqual({ ...full, access_level: 40 });
      expect(await abilitiesOf(owner.api, secret)).toEqual({ ...full, access_level: 50 });
      expect(await abilitiesOf(developer.api, secret)).toEqual({
        admin_project: false,
        read_resource_access_tokens: false,
        create_resource_access_token: false,
        access_level: 30,
      });
    });

    it('§10 the effective role is the highest of the direct project role and the inherited group roles', async () => {
      const promoted = await signedIn(h);
      await setRole(h, { group: acme }, promoted.user, AccessLevel.REPORTER);
      await setRole(h, { project: secret }, promoted.user, AccessLevel.MAINTAINER);
      expect(await abilitiesOf(promoted.api, secret)).toMatchObject({ admin_project: true, access_level: 40 });
      expect(await abilitiesOf(reporter.api, secret)).toMatchObject({ admin_project: false, access_level: 20 });
    });

    it('an administrator counts as Owner without being a member (T8)', async () => {
      expect(await abilitiesOf(admin, secret)).toMatchObject({ admin_project: true, create_resource_access_token: true, access_level: 50 });
    });

    it("§10 the creation switch of the project's top-level group takes token creation away, not reading", async () => {
      const root = await makeGroup(h, owner.user, { path: 'switched-off-projects' });
      const sub = await makeGroup(h, owner.user, { path: 'sub', parent: root });
      const project = await makeProject(h, sub, { path: 'app' });
      expect((await owner.api.put(`/api/v4/groups/${root.id}`, { resource_access_token_creation_allowed: false })).statusCode).toBe(200);
      expect(await abilitiesOf(owner.api, project)).toMatchObject({ read_resource_access_tokens: true, create_resource_access_token: false, access_level: 50 });
    });

    it('a project the caller cannot see is 404, as everywhere else; anonymous on a public project gets no abilities', async () => {
      expect((await outsider.api.get(`/api/v4/projects/${secret.id}/abilities`)).json()).toEqual(PROJECT_NOT_FOUND);
      expect((await client(h).get(`/api/v4/projects/${secret.id}/abilities`)).statusCode).toBe(404);
      expect(await abilitiesOf(client(h), open)).toEqual({
        admin_project: false,
        read_resource_access_tokens: false,
        create_resource_access_token: false,
        access_level: 0,
      });
    });
  });

  describe('visibility and inherited access', () => {
    it('a private project is 404 to non-members and anonymous callers; members of any group above it can read it', async () => {
      for (const api of [outsider.api, external.api, client(h)]) {
        expect((await api.get(`/api/v4/projects/${secret.id}`)).json()).toEqual(PROJECT_NOT_FOUND);
      }
      expect((await reporter.api.get(`/api/v4/projects/${secret.id}`)).statusCode).toBe(200);
    });

    it('a direct project membership opens the project, not the group around it', async () => {
      const guest = await signedIn(h);
      const solo = await makeProject(h, acme, { path: 'solo-membership' });
      await setRole(h, { project: solo }, guest.user, AccessLevel.GUEST);
      expect((await guest.api.get(`/api/v4/projects/${solo.id}`)).statusCode).toBe(200);
      expect((await guest.api.get(`/api/v4/projects/${secret.id}`)).statusCode).toBe(404);
      expect((await guest.api.get(`/api/v4/groups/${acme.id}`)).statusCode).toBe(404);
    });

    it('an internal project is visible to any signed-in non-external user, 404 to external users and anonymous callers', async () => {
      expect((await outsider.api.get(`/api/v4/projects/${internal.id}`)).statusCode).toBe(200);
      expect((await external.api.get(`/api/v4/projects/${internal.id}`)).json()).toEqual(PROJECT_NOT_FOUND);
      expect((await client(h).get(`/api/v4/projects/${internal.id}`)).json()).toEqual(PROJECT_NOT_FOUND);
    });

    it('a public project is open to anonymous callers', async () => {
      const res = await client(h).get('/api/v4/projects/community%2Fopen');
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(open.id);
    });
  });

  describe('GET /projects', () => {
    it('lists what the caller can see: anonymous the public ones, external users no internal ones', async () => {
      expect(ids(await client(h).get('/api/v4/projects?per_page=100'))).toEqual([open.id]);
      expect(ids(await external.api.get('/api/v4/projects?per_page=100'))).toEqual([open.id]);
      const outsiders = ids(await outsider.api.get('/api/v4/projects?per_page=100'));
      expect(outsiders).toEqual(expect.arrayContaining([internal.id, open.id]));
      expect(outsiders).not.toContain(secret.id);
      expect(ids(await reporter.api.get('/api/v4/projects?per_page=100'))).toContain(secret.id);
    });

    it('membership, visibility and search narrow the list; bad values are 400', async () => {
      const mine = ids(await reporter.api.get('/api/v4/projects?membership=true&per_page=100'));
      expect(mine).toContain(secret.id);
      expect(mine).not.toContain(open.id);
      expect(ids(await admin.get('/api/v4/projects?visibility=internal&per_page=100'))).toEqual([internal.id]);
      expect(ids(await admin.get('/api/v4/projects?search=HANDBOOK'))).toEqual([internal.id]);
      expect((await admin.get('/api/v4/projects?visibility=secret')).json()).toEqual({ error: 'visibility does not have a valid value' });
      expect((await admin.get('/api/v4/projects?membership=often')).json()).toEqual({ error: 'membership is invalid' });
    });
  });
});
