import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeUser, setRole } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * @gitbeaker/rest's GroupAccessTokens (all/show/create/rotate/revoke; `show` and `rotate` with
 * the token id `self`, which this version passes through) against a real listening Tollgate.
 */
const NOW = '2026-06-15T12:00:00.000Z';

describe.each(TEST_DIALECTS)('gitbeaker GroupAccessTokens (%s)', (dialect) => {
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

  it('create, all, show, rotate and revoke through the client, in GitLab’s shapes', async () => {
    const group = await makeGroup(s, owner);
    const api = gitlab(ownerPat);

    const created = await api.GroupAccessTokens.create(group.id, 'gitbeaker', ['api', 'read_repository'], '2026-07-15', { accessLevel: AccessLevel.DEVELOPER });
    expect(created).toMatchObject({ name: 'gitbeaker', scopes: ['api', 'read_repository'], expires_at: '2026-07-15', access_level: 30, active: true, revoked: false });
    expect(created.token).toMatch(/^glpat-/);

    // The created token works.
    expect((await gitlab(created.token).Groups.show(group.id)).id).toBe(group.id);

    const listed = await api.GroupAccessTokens.all(group.id);
    expect(listed.map((t) => t.id)).toEqual([created.id]);
    expect(listed[0]).not.toHaveProperty('token');

    const shown = await api.GroupAccessTokens.show(group.id, created.id);
    expect(shown).toMatchObject({ id: created.id, name: 'gitbeaker', access_level: 30, resource_type: 'group', resource_id: group.id });

    const rotated = await api.GroupAccessTokens.rotate(group.id, created.id, { expiresAt: '2026-08-01' });
    expect(rotated).toMatchObject({ name: 'gitbeaker', user_id: created.user_id, expires_at: '2026-08-01', access_level: 30 });
    expect(rotated.id).not.toBe(created.id);
    expect(rotated.token).not.toBe(created.token);
    await expect(gitlab(created.token).Groups.show(group.id)).rejects.toThrow();

    await api.GroupAccessTokens.revoke(group.id, rotated.id);
    expect((await api.GroupAccessTokens.show(group.id, rotated.id)).revoked).toBe(true);
    await expect(gitlab(rotated.token).Groups.show(group.id)).rejects.toThrow();
  });

  it('show and rotate with the token id "self", authenticated by the group access token itself', async () => {
    const group = await makeGroup(s, owner);
    // gitbeaker 43's scope type predates self_rotate; the request itself is what GitLab expects.
    const selfRotateOnly = ['self_rotate'] as unknown as ['api'];
    const created = await gitlab(ownerPat).GroupAccessTokens.create(group.id, 'self-service', selfRotateOnly, '2026-07-15', { accessLevel: AccessLevel.GUEST });
    const bot = gitlab(created.token);

    const self = await bot.GroupAccessTokens.show(group.id, 'self');
    expect(self).toMatchObject({ id: created.id, name: 'self-service', access_level: 10 });

    const rotated = await bot.GroupAccessTokens.rotate(group.id, 'self');
    expect(rotated).toMatchObject({ name: 'self-service', scopes: ['self_rotate'], expires_at: '2026-06-22' });
    expect((await gitlab(rotated.token).GroupAccessTokens.show(group.id, 'self')).id).toBe(rotated.id);
  });

  it('all follows the pagination headers to the last page', async () => {
    const group = await makeGroup(s, owner);
    const api = gitlab(ownerPat);
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push((await api.GroupAccessTokens.create(group.id, `t${i}`, ['read_api'], '2026-07-15')).id);
    expect((await api.GroupAccessTokens.all(group.id, { perPage: 2 })).map((t) => t.id)).toEqual(ids);
    const { data, paginationInfo } = await api.GroupAccessTokens.all(group.id, { perPage: 2, page: 2, showExpanded: true, maxPages: 1 });
    expect(data.map((t) => t.id)).toEqual(ids.slice(2, 4));
    expect(paginationInfo).toMatchObject({ total: 5, totalPages: 3, perPage: 2, current: 2, next: 3, previous: 1 });
  });

  it('errors reach the client with GitLab’s status and message', async () => {
    const group = await makeGroup(s, owner);
    const maintainer = await makeUser(s);
    await setRole(s, { group }, maintainer, AccessLevel.MAINTAINER);
    const maintainerPat = (await makePat(s, maintainer)).token;
    const refused = await gitlab(maintainerPat)
      .GroupAccessTokens.create(group.id, 'nope', ['api'], '2026-07-15')
      .catch((error: { cause?: { description?: string; response?: { status: number } } }) => error);
    expect(refused).toMatchObject({ cause: { description: '400 Bad request - User does not have permission to create group access token', response: { status: 400 } } });
    const unauthorized = await gitlab(maintainerPat)
      .GroupAccessTokens.all(group.id)
      .catch((error: { cause?: { response?: { status: number } } }) => error);
    expect(unauthorized).toMatchObject({ cause: { response: { status: 401 } } });
    const missing = await gitlab(ownerPat)
      .GroupAccessTokens.show(group.id, 999999)
      .catch((error: { cause?: { description?: string } }) => error);
    expect(missing).toMatchObject({ cause: { description: '404 group Access Token Not Found' } });
  });
});
