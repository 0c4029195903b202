import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makePat, makeUser } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * @gitbeaker/rest, unchanged, against a really listening Tollgate: an administrator's client
 * creates users, groups, subgroups, members and personal access tokens and reads them back.
 */
describe.each(TEST_DIALECTS)('@gitbeaker/rest against a running server (%s)', (dialect) => {
  let s: ServerHarness;
  let api: InstanceType<typeof Gitlab>;
  beforeAll(async () => {
    s = await startServer(dialect);
    api = new Gitlab({ host: s.url, token: (await makePat(s, s.root)).token });
  });
  afterAll(() => s.close());

  it('reads the version and the signed-in administrator', async () => {
    expect(await api.Metadata.show()).toMatchObject({ version: '18.7.0' });
    expect(await api.Users.showCurrentUser()).toMatchObject({ username: 'root', is_admin: true });
  });

  it('creates users, groups, subgroups, members and personal access tokens, and reads them back', async () => {
    const user = await api.Users.create({ username: `gb_${dialect}`, email: `gb_${dialect}@example.com`, name: 'Gitbeaker User', password: 'gitbeaker-password' });
    expect(user).toMatchObject({ username: `gb_${dialect}`, name: 'Gitbeaker User', bot: false });
    expect(await api.Users.show(user.id)).toMatchObject({ id: user.id, email: `gb_${dialect}@example.com` });
    expect((await api.Users.all({ username: `gb_${dialect}` })).map((u) => u.id)).toEqual([user.id]);

    const group = await api.Groups.create('Gitbeaker Group', `gitbeaker-${dialect}`, { visibility: 'internal', description: 'made by gitbeaker' });
    expect(group).toMatchObject({ full_path: `gitbeaker-${dialect}`, visibility: 'internal', description: 'made by gitbeaker' });
    const subgroup = await api.Groups.create('Sub', 'sub', { parentId: group.id });
    expect(subgroup).toMatchObject({ full_path: `gitbeaker-${dialect}/sub`, parent_id: group.id });
    expect(await api.Groups.show(`gitbeaker-${dialect}/sub`)).toMatchObject({ id: subgroup.id });
    expect((await api.Groups.allSubgroups(group.id)).map((g) => g.id)).toEqual([subgroup.id]);
    const edited = await api.Groups.edit(group.id, { description: 'edited by gitbeaker' });
    expect(edited.description).toBe('edited by gitbeaker');

    const member = await api.GroupMembers.add(group.id, AccessLevel.DEVELOPER, { userId: user.id });
    expect(member).toMatchObject({ id: user.id, access_level: 30 });
    expect((await api.GroupMembers.all(group.id)).map((m) => [m.id, m.access_level])).toEqual(
      expect.arrayContaining([
        [s.root.id, 50],
        [user.id, 30],
      ]),
    );
    // Inherited into the subgroup.
    const inherited = await api.GroupMembers.all(subgroup.id, { includeInherited: true });
    expect(inherited.find((m) => m.id === user.id)?.access_level).toBe(30);
    expect((await api.GroupMembers.edit(group.id, user.id, AccessLevel.MAINTAINER)).access_level).toBe(40);
    expect(await api.GroupMembers.show(group.id, user.id)).toMatchObject({ id: user.id, access_level: 40 });
    expect(await api.GroupMembers.show(subgroup.id, user.id, { includeInherited: true })).toMatchObject({ id: user.id, access_level: 40 });

    const created = await api.Users.createPersonalAccessToken(user.id, 'from gitbeaker', ['api', 'read_user'], { expiresAt: '2026-12-31' });
    expect(created).toMatchObject({ name: 'from gitbeaker', scopes: ['api', 'read_user'], user_id: user.id, expires_at: '2026-12-31', active: true });
    expect(created.token).toMatch(/^glpat-/);
    const shown = await api.PersonalAccessTokens.show({ tokenId: created.id });
    expect(shown).toMatchObject({ id: created.id, name: 'from gitbeaker' });
    expect(shown).not.toHaveProperty('token');
    // This version has no UserAccessTokens; PersonalAccessTokens.create is the same admin endpoint.
    const second = await api.PersonalAccessTokens.create(user.id, 'second', ['read_api']);
    expect(second).toMatchObject({ name: 'second', scopes: ['read_api'], user_id: user.id, expires_at: '2027-06-15' });
    expect((await api.PersonalAccessTokens.all({ userId: user.id })).map((t) => t.id)).toEqual([created.id, second.id]);

    // The new token is the user's own client.
    const asUser = new Gitlab({ host: s.url, token: created.token });
    expect(await asUser.Users.showCurrentUser()).toMatchObject({ id: user.id });
    expect(await asUser.PersonalAccessTokens.show()).toMatchObject({ id: created.id });
    const project = await asUser.Projects.create({ name: 'From Gitbeaker', namespaceId: subgroup.id });
    expect(project).toMatchObject({ path_with_namespace: `gitbeaker-${dialect}/sub/from-gitbeaker` });
    const rotated = await asUser.PersonalAccessTokens.rotate(created.id);
    expect(rotated).toMatchObject({ name: 'from gitbeaker', active: true, expires_at: '2026-06-22' });
    expect(rotated.id).not.toBe(created.id);
  });

  it('ProjectMembers: a project Maintainer adds, lists (inherited too), shows, edits and removes members', async () => {
    const group = await api.Groups.create('Gitbeaker Members', `gb-members-${dialect}`);
    const project = await api.Projects.create({ name: 'Members', namespaceId: group.id });
    const [maintainer, member, inherited] = await Promise.all([0, 1, 2].map((i) => makeUser(s, { username: `gbm_${dialect}_${i}` })));
    await api.GroupMembers.add(group.id, AccessLevel.REPORTER, { userId: inherited!.id });
    expect(await api.ProjectMembers.add(project.id, AccessLevel.MAINTAINER, { userId: maintainer!.id })).toMatchObject({ id: maintainer!.id, access_level: 40 });

    // From here on, as the project's Maintainer (§10: Maintainers manage project members).
    const asMaintainer = new Gitlab({ host: s.url, token: (await makePat(s, maintainer!)).token });
    const added = await asMaintainer.ProjectMembers.add(project.id, AccessLevel.DEVELOPER, { userId: member!.id, expiresAt: '2027-01-31' });
    expect(added).toMatchObject({ id: member!.id, access_level: 30, expires_at: '2027-01-31', bot: false });
    expect((await asMaintainer.ProjectMembers.all(project.id)).map((m) => [m.id, m.access_level])).toEqual([
      [maintainer!.id, 40],
      [member!.id, 30],
    ]);
    const all = await asMaintainer.ProjectMembers.all(project.id, { includeInherited: true });
    expect(all.map((m) => [m.id, m.access_level])).toEqual(expect.arrayContaining([[s.root.id, 50], [inherited!.id, 20], [member!.id, 30]]));
    expect(await asMaintainer.ProjectMembers.show(project.id, inherited!.id, { includeInherited: true })).toMatchObject({ id: inherited!.id, access_level: 20 });
    await expect(asMaintainer.ProjectMembers.show(project.id, inherited!.id)).rejects.toMatchObject({ cause: { response: { status: 404 } } });
    expect((await asMaintainer.ProjectMembers.edit(project.id, member!.id, AccessLevel.REPORTER)).access_level).toBe(20);
    expect(await asMaintainer.ProjectMembers.show(project.id, member!.id)).toMatchObject({ id: member!.id, access_level: 20 });
    await expect(asMaintainer.ProjectMembers.add(project.id, AccessLevel.OWNER, { userId: inherited!.id })).rejects.toMatchObject({ cause: { response: { status: 403 } } });
    await asMaintainer.ProjectMembers.remove(project.id, member!.id);
    expect((await asMaintainer.ProjectMembers.all(project.id)).map((m) => m.id)).toEqual([maintainer!.id]);
  });

  it("walks every page of a list by the server's Link headers", async () => {
    for (let i = 0; i < 5; i++) await api.Users.create({ username: `paged_${dialect}_${i}`, email: `paged_${dialect}_${i}@example.com`, name: `Paged ${i}` });
    const all = await api.Users.all({ perPage: 2, maxPages: 100 });
    const { data, paginationInfo } = await api.Users.all({ perPage: 2, page: 2, showExpanded: true, pagination: 'offset' });
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(new Set(all.map((u) => u.id)).size).toBe(all.length);
    expect(data).toHaveLength(2);
    expect(paginationInfo).toMatchObject({ current: 2, perPage: 2, previous: 1, next: 3, total: all.length });
  });

  it('GitLab errors reach the client as errors with their status', async () => {
    await expect(api.Groups.show('no-such-group')).rejects.toMatchObject({ cause: { response: { status: 404 } } });
    await expect(api.Users.create({ username: 'root', email: 'root-again@example.com', name: 'Root again' })).rejects.toMatchObject({ cause: { response: { status: 409 } } });
  });
});
