import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../../test/support/factories.js';
import { makeGroupToken, makeRepositoryProject } from '../../test/support/git-factories.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { GIT_MESSAGES, type GitService } from '../domain/git-access.js';
import { updateUser } from '../store/repositories/users.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';
import { authorizeGitRequest, type GitCredentials } from './git-access.js';

describe.each(TEST_DIALECTS)('authorizeGitRequest (%s)', (dialect) => {
  let h: Harness;
  let group: GroupRow;
  let project: ProjectRow;
  beforeAll(async () => {
    h = await createHarness(dialect);
    group = await makeGroup(h, await makeUser(h), { visibility: 'internal' });
    ({ project } = await makeRepositoryProject(h, group, { visibility: 'internal' }));
  });
  afterAll(async () => {
    await h.close();
  });

  const basic = (token: string): GitCredentials => ({ kind: 'basic', username: 'any', password: token });
  const authorize = (credentials: GitCredentials, target: { group?: GroupRow; project?: ProjectRow; service?: GitService } = {}) =>
    authorizeGitRequest(h.ctx, {
      groupFullPath: (target.group ?? group).full_path,
      projectPath: (target.project ?? project).path,
      service: target.service ?? 'git-upload-pack',
      credentials,
      ip: '203.0.113.9',
      path: '/x/y.git/info/refs',
    });

  it('grants with the stored (canonical) path and the caller', async () => {
    const { token, bot } = await makeGroupToken(h, group, { scopes: ['read_repository'] });
    const result = await authorizeGitRequest(h.ctx, {
      groupFullPath: group.full_path.toUpperCase(),
      projectPath: project.path.toUpperCase(),
      service: 'git-upload-pack',
      credentials: basic(token),
      ip: '203.0.113.9',
      path: '/',
    });
    expect(result).toMatchObject({ ok: true, relativePath: `${group.full_path}/${project.path}.git`, user: { id: bot.id } });
  });

  it('a blocked user is refused with 403 "Your account has been blocked."', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user, { scopes: ['api'] });
    await updateUser(h.ctx.database.db, user.id, { state: 'blocked' });
    expect(await authorize(basic(token))).toEqual({ ok: false, status: 403, message: GIT_MESSAGES.accountBlocked, authentication: 'blocked' });
  });

  it('an external user does not see internal projects (404); a member does', async () => {
    const external = await makeUser(h, { external: true });
    const { token } = await makePat(h, external, { scopes: ['read_repository'] });
    expect(await authorize(basic(token))).toEqual({ ok: false, status: 404, message: GIT_MESSAGES.projectNotFound, authentication: 'ok' });
    await setRole(h, { project }, external, AccessLevel.REPORTER);
    expect((await authorize(basic(token))).ok).toBe(true);
  });

  it("a project member's role over Git is the highest of its direct project role and its inherited group roles", async () => {
    const push = async (projectLevel: number, groupLevel: number | null) => {
      const user = await makeUser(h);
      await setRole(h, { project }, user, projectLevel);
      if (groupLevel !== null) await setRole(h, { group }, user, groupLevel);
      const { token } = await makePat(h, user, { scopes: ['write_repository'] });
      return authorize(basic(token), { service: 'git-receive-pack' });
    };
    expect((await push(AccessLevel.DEVELOPER, null)).ok).toBe(true);
    expect((await push(AccessLevel.DEVELOPER, AccessLevel.GUEST)).ok).toBe(true);
    expect((await push(AccessLevel.GUEST, AccessLevel.DEVELOPER)).ok).toBe(true);
    expect(await push(AccessLevel.GUEST, AccessLevel.REPORTER)).toEqual({ ok: false, status: 403, message: GIT_MESSAGES.pushCode, authentication: 'ok' });
  });

  it('a project without a repository answers 404 "A repository for this project does not exist yet."', async () => {
    const bare = await makeProject(h, group, { visibility: 'internal' });
    const { token } = await makeGroupToken(h, group, { scopes: ['read_repository'] });
    expect(await authorize(basic(token), { project: bare })).toEqual({ ok: false, status: 404, message: GIT_MESSAGES.noRepository, authentication: 'ok' });
  });

  it('credentials in another scheme are challenged without counting as a failed authentication', async () => {
    for (let i = 0; i < 40; i++) expect(await authorize({ kind: 'unsupported' })).toEqual({ ok: false, status: 401, message: GIT_MESSAGES.accessDenied });
    const { token } = await makeGroupToken(h, group, { scopes: ['read_repository'] });
    expect((await authorize(basic(token))).ok).toBe(true);
  });

  it('administrators pull and push anything', async () => {
    const { token } = await makePat(h, h.root, { scopes: ['api'] });
    const hidden = await makeGroup(h, await makeUser(h));
    const { project: secret } = await makeRepositoryProject(h, hidden);
    expect((await authorize(basic(token), { group: hidden, project: secret, service: 'git-receive-pack' })).ok).toBe(true);
  });
});
