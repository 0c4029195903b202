import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * @gitbeaker/rest's GroupAccessTokens and ProjectAccessTokens (all/show/create/rotate/revoke;
 * `show` and `rotate` with the token id `self`, which this version passes through) against a real
 * listening Tollgate: one client class (ResourceAccessTokens) over one API, run for both kinds.
 */
const NOW = '2026-06-15T12:00:00.000Z';

type Client = InstanceType<typeof Gitlab>;
type Resource = { id: number; group: Awaited<ReturnType<typeof makeGroup>>; project: Awaited<ReturnType<typeof makeProject>> | null };

/** What differs per kind: the client's class, how to read the resource, who may not manage tokens (§2.0, §10). */
const KINDS = [
  {
    kind: 'group',
    tokens: (api: Client) => api.GroupAccessTokens,
    show: (api: Client, id: number) => api.Groups.show(id),
    notManager: AccessLevel.MAINTAINER,
  },
  {
    kind: 'project',
    tokens: (api: Client) => api.ProjectAccessTokens,
    show: (api: Client, id: number) => api.Projects.show(id),
    notManager: AccessLevel.DEVELOPER,
  },
] as const;

describe.each(TEST_DIALECTS.flatMap((dialect) => KINDS.map((kind) => [dialect, kind.kind, kind] as const)))('gitbeaker %s: %s access tokens', (dialect, _kind, k) => {
  let s: ServerHarness;
  let owner: Awaited<ReturnType<typeof makeUser>>;
  let ownerPat: string;

  beforeAll(async () => {
    s = await startServer(dialect, { now: NOW });
    owner = await makeUser(s);
    ownerPat = (await makePat(s, owner)).token;
  });
  afterAll(() => s.close());

  const gitlab = (token: string) => new Gitlab({ host: s.url, token });
  /** A fresh private group, or a project in one; the owner manages its tokens either way. */
  async function makeResource(): Promise<Resource> {
    const group = await makeGroup(s, owner);
    if (k.kind === 'group') return { id: group.id, group, project: null };
    const project = await makeProject(s, group);
    return { id: project.id, group, project };
  }

  it('create, all, show, rotate and revoke through the client, in GitLab’s shapes', async () => {
    const resource = await makeResource();
    const api = gitlab(ownerPat);

    const created = await k.tokens(api).create(resource.id, 'gitbeaker', ['api', 'read_repository'], '2026-07-15', { accessLevel: AccessLevel.DEVELOPER });
    expect(created).toMatchObject({ name: 'gitbeaker', scopes: ['api', 'read_repository'], expires_at: '2026-07-15', access_level: 30, active: true, revoked: false });
    expect(created.token).toMatch(/^glpat-/);

    // The created token works.
    expect((await k.show(gitlab(created.token), resource.id)).id).toBe(resource.id);

    const listed = await k.tokens(api).all(resource.id);
    expect(listed.map((t) => t.id)).toEqual([created.id]);
    expect(listed[0]).not.toHaveProperty('token');

    const shown = await k.tokens(api).show(resource.id, created.id);
    expect(shown).toMatchObject({ id: created.id, name: 'gitbeaker', access_level: 30, resource_type: k.kind, resource_id: resource.id });

    const rotated = await k.tokens(api).rotate(resource.id, created.id, { expiresAt: '2026-08-01' });
    expect(rotated).toMatchObject({ name: 'gitbeaker', user_id: created.user_id, expires_at: '2026-08-01', access_level: 30 });
    expect(rotated.id).not.toBe(created.id);
    expect(rotated.token).not.toBe(created.token);
    await expect(k.show(gitlab(created.token), resource.id)).rejects.toThrow();

    await k.tokens(api).revoke(resource.id, rotated.id);
    expect((await k.tokens(api).show(resource.id, rotated.id)).revoked).toBe(true);
    await expect(k.show(gitlab(rotated.token), resource.id)).rejects.toThrow();
  });

  it('show and rotate with the token id "self", authenticated by the resource access token itself', async () => {
    const resource = await makeResource();
    // gitbeaker 43's scope type predates self_rotate; the request itself is what GitLab expects.
    const selfRotateOnly = ['self_rotate'] as unknown as ['api'];
    const created = await k.tokens(gitlab(ownerPat)).create(resource.id, 'self-service', selfRotateOnly, '2026-07-15', { accessLevel: AccessLevel.GUEST });
    const bot = gitlab(created.token);

    const self = await k.tokens(bot).show(resource.id, 'self');
    expect(self).toMatchObject({ id: created.id, name: 'self-service', access_level: 10 });

    const rotated = await k.tokens(bot).rotate(resource.id, 'self');
    expect(rotated).toMatchObject({ name: 'self-service', scopes: ['self_rotate'], expires_at: '2026-06-22' });
    expect((await k.tokens(gitlab(rotated.token)).show(resource.id, 'self')).id).toBe(rotated.id);
  });

  it('all follows the pagination headers to the last page', async () => {
    const resource = await makeResource();
    const api = gitlab(ownerPat);
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push((await k.tokens(api).create(resource.id, `t${i}`, ['read_api'], '2026-07-15')).id);
    expect((await k.tokens(api).all(resource.id, { perPage: 2 })).map((t) => t.id)).toEqual(ids);
    const { data, paginationInfo } = await k.tokens(api).all(resource.id, { perPage: 2, page: 2, showExpanded: true, maxPages: 1 });
    expect(data.map((t) => t.id)).toEqual(ids.slice(2, 4));
    expect(paginationInfo).toMatchObject({ total: 5, totalPages: 3, perPage: 2, current: 2, next: 3, previous: 1 });
  });

  it('errors reach the client with GitLab’s status and message', async () => {
    const resource = await makeResource();
    // A group Maintainer, a project Developer: below the kind's managers.
    const maintainer = await makeUser(s);
    await setRole(s, resource.project ? { project: resource.project } : { group: resource.group }, maintainer, k.notManager);
    const maintainerPat = (await makePat(s, maintainer)).token;
    const refused = await k.tokens(gitlab(maintainerPat))
      .create(resource.id, 'nope', ['api'], '2026-07-15')
      .catch((error: { cause?: { description?: string; response?: { status: number } } }) => error);
    expect(refused).toMatchObject({ cause: { description: `400 Bad request - User does not have permission to create ${k.kind} access token`, response: { status: 400 } } });
    const unauthorized = await k.tokens(gitlab(maintainerPat))
      .all(resource.id)
      .catch((error: { cause?: { response?: { status: number } } }) => error);
    expect(unauthorized).toMatchObject({ cause: { response: { status: 401 } } });
    const missing = await k.tokens(gitlab(ownerPat))
      .show(resource.id, 999999)
      .catch((error: { cause?: { description?: string } }) => error);
    expect(missing).toMatchObject({ cause: { description: `404 ${k.kind} Access Token Not Found` } });
  });
});
