import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GIT_MESSAGES } from '../../src/domain/git-access.js';
import type { GroupRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makeUser } from '../support/factories.js';
import { gitClientEnv, gitUrl, makeProjectToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * §10 over Git: a project access token's bot is a direct member of its project only, so it clones
 * and pushes that project according to its scopes (§3.5) and role, and cannot reach its siblings.
 */
describe.each(TEST_DIALECTS)('Git over HTTPS with project access tokens (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let group: GroupRow;
  let work = 0;

  /** A private project with one commit on main. */
  async function privateProject() {
    const { project, path } = await makeRepositoryProject(s, group, { visibility: 'private' });
    await seedHistory(path, { commits: 1, env });
    const serverMain = async () => (await runGit(['--git-dir', path, 'rev-parse', 'main'], { env })).stdout.trim();
    return { project, repository: `${group.full_path}/${project.path}.git`, serverMain };
  }

  /** Clones with `token`, commits on top, pushes: the outcomes of both. */
  async function cloneAndPush(repository: string, token: string) {
    const dir = join(home.path, `work-${++work}`);
    const cloned = await runGit(['clone', gitUrl(s.url, repository, { token }), dir], { env });
    if (cloned.code !== 0) return { cloned, pushed: null, head: null };
    writeFileSync(join(dir, 'change.txt'), `change ${work}\n`);
    await runGit(['-C', dir, 'add', 'change.txt'], { env });
    await runGit(['-C', dir, 'commit', '-q', '-m', 'change'], { env });
    const head = (await runGit(['-C', dir, 'rev-parse', 'HEAD'], { env })).stdout.trim();
    return { cloned, pushed: await runGit(['-C', dir, 'push', 'origin', 'main'], { env }), head };
  }

  beforeAll(async () => {
    s = await startServer(dialect);
    group = await makeGroup(s, await makeUser(s), { visibility: 'private' });
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  it('§10 a Developer-level project token with write_repository clones and pushes its private project', async () => {
    const repo = await privateProject();
    const { token } = await makeProjectToken(s, repo.project, { scopes: ['write_repository'], level: AccessLevel.DEVELOPER });
    const { cloned, pushed, head } = await cloneAndPush(repo.repository, token);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(pushed!.code, pushed!.stderr).toBe(0);
    expect(await repo.serverMain()).toBe(head);
  });

  it('§10 with read_repository a project token clones but may not push: 403 "You are not allowed to upload code."', async () => {
    const repo = await privateProject();
    const before = await repo.serverMain();
    const { token } = await makeProjectToken(s, repo.project, { scopes: ['read_repository'], level: AccessLevel.MAINTAINER });
    const { cloned, pushed } = await cloneAndPush(repo.repository, token);
    expect(cloned.code).toBe(0);
    expect(pushed!.code).not.toBe(0);
    expect(pushed!.stderr).toContain(`remote: ${GIT_MESSAGES.authUpload}`);
    expect(await repo.serverMain()).toBe(before);
  });

  it('§10 a Reporter-level project token with write_repository may not push: 403 "You are not allowed to push code to this project."', async () => {
    const repo = await privateProject();
    const { token } = await makeProjectToken(s, repo.project, { scopes: ['write_repository'], level: AccessLevel.REPORTER });
    const { cloned, pushed } = await cloneAndPush(repo.repository, token);
    expect(cloned.code).toBe(0);
    expect(pushed!.stderr).toContain(`remote: ${GIT_MESSAGES.pushCode}`);
  });

  it('§10 a project token cannot reach a sibling private project in the same group (not found)', async () => {
    const own = await privateProject();
    const sibling = await privateProject();
    const { token } = await makeProjectToken(s, own.project, { scopes: ['write_repository'], level: AccessLevel.OWNER });
    const { cloned } = await cloneAndPush(sibling.repository, token);
    expect(cloned.code).not.toBe(0);
    expect(cloned.stderr).toContain(GIT_MESSAGES.projectNotFound);
  });
});
