import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { GIT_MESSAGES } from '../../src/domain/git-access.js';
import { findTokenById, revokeTokenIfActive } from '../../src/store/repositories/tokens.js';
import type { GroupRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeUser, setRole } from '../support/factories.js';
import { gitClientEnv, gitUrl, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

describe.each(TEST_DIALECTS)('Git over HTTPS: clone (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let groupA: GroupRow;
  let groupB: GroupRow;
  let privateRepo: string;
  let clones = 0;

  const clone = async (url: string, args: string[] = []) => {
    const dest = join(home.path, `clone-${++clones}`);
    const result = await runGit([...args, 'clone', url, dest], { env });
    return { ...result, dest };
  };
  const commitCount = async (dir: string) => Number((await runGit(['-C', dir, 'rev-list', '--count', 'HEAD'], { env })).stdout.trim());

  beforeAll(async () => {
    s = await startServer(dialect);
    const owner = await makeUser(s);
    groupA = await makeGroup(s, owner, { visibility: 'internal' });
    groupB = await makeGroup(s, owner, { visibility: 'internal' });
    const { project, path } = await makeRepositoryProject(s, groupA, { visibility: 'private' });
    await seedHistory(path, { commits: 3, env });
    privateRepo = `${groupA.full_path}/${project.path}.git`;
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  it.each(['read_repository', 'write_repository', 'api', 'read_api'])('§3.5 a group access token with %s clones (read_api grants download_code)', async (scope) => {
    const { token } = await makeGroupToken(s, groupA, { scopes: [scope], level: AccessLevel.REPORTER });
    const result = await clone(gitUrl(s.url, privateRepo, { token }));
    expect(result.stderr).not.toMatch(/fatal/);
    expect(result.code).toBe(0);
    expect(await commitCount(result.dest)).toBe(3);
  });

  it.each([['read_registry'], ['create_runner'], ['self_rotate', 'k8s_proxy']])('§3.5 a token whose scopes grant no repository access (%s) is refused: 403', async (...scopes) => {
    const { token } = await makeGroupToken(s, groupA, { scopes, level: AccessLevel.OWNER });
    const result = await clone(gitUrl(s.url, privateRepo, { token }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`remote: ${GIT_MESSAGES.authDownload}`);
    expect(result.stderr).toMatch(/403/);
  });

  it('unknown, expired and revoked tokens are refused (401, as git reports "Authentication failed")', async () => {
    const expired = await makeGroupToken(s, groupA, { scopes: ['read_repository'], expiresAt: '2026-06-15' });
    const revoked = await makeGroupToken(s, groupA, { scopes: ['read_repository'] });
    await revokeTokenIfActive(s.ctx.database.db, revoked.id, new Date().toISOString());
    const unknown = `${revoked.token.slice(0, 12)}${revoked.token[12] === 'A' ? 'B' : 'A'}${revoked.token.slice(13)}`;
    for (const token of [expired.token, revoked.token, unknown, 'not-a-token']) {
      const result = await clone(gitUrl(s.url, privateRepo, { token }));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Authentication failed');
      expect(result.stderr).toContain('HTTP Basic: Access denied');
    }
  });

  it('without credentials a private repository answers the Basic challenge, and git (which cannot prompt) fails', async () => {
    const res = await fetch(`${s.url}/${privateRepo}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Tollgate"');
    const result = await clone(gitUrl(s.url, privateRepo));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/could not read Username|terminal prompts disabled/);
  });

  it('a project that does not exist is challenged too: without credentials nothing tells it apart from a private one', async () => {
    const res = await fetch(`${s.url}/${groupA.full_path}/no-such-project.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
  });

  it('public projects clone anonymously', async () => {
    const group = await makeGroup(s, await makeUser(s), { visibility: 'public' });
    const { project, path } = await makeRepositoryProject(s, group, { visibility: 'public' });
    await seedHistory(path, { commits: 2, env });
    const result = await clone(gitUrl(s.url, `${group.full_path}/${project.path}.git`));
    expect(result.code).toBe(0);
    expect(await commitCount(result.dest)).toBe(2);
  });

  it('seeds "treated as internal users": an internal project of group B clones with group A\'s token; a private one is not found', async () => {
    const internal = await makeRepositoryProject(s, groupB, { visibility: 'internal' });
    const hidden = await makeRepositoryProject(s, groupB, { visibility: 'private' });
    await seedHistory(internal.path, { commits: 1, env });
    await seedHistory(hidden.path, { commits: 1, env });
    const { token } = await makeGroupToken(s, groupA, { scopes: ['read_repository'] });
    const ok = await clone(gitUrl(s.url, `${groupB.full_path}/${internal.project.path}.git`, { token }));
    expect(ok.code).toBe(0);
    const refused = await clone(gitUrl(s.url, `${groupB.full_path}/${hidden.project.path}.git`, { token }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(GIT_MESSAGES.projectNotFound);
  });

  it('personal access tokens of humans work alike: a Reporter clones; a non-member of a private project gets 404, a Guest 403', async () => {
    const reporter = await makeUser(s);
    await setRole(s, { group: groupA }, reporter, AccessLevel.REPORTER);
    const pat = await makePat(s, reporter, { scopes: ['read_repository'] });
    expect((await clone(gitUrl(s.url, privateRepo, { token: pat.token }))).code).toBe(0);

    const stranger = await makePat(s, await makeUser(s), { scopes: ['api'] });
    const notFound = await clone(gitUrl(s.url, privateRepo, { token: stranger.token }));
    expect(notFound.stderr).toContain(GIT_MESSAGES.projectNotFound);

    const guest = await makeUser(s);
    await setRole(s, { group: groupA }, guest, AccessLevel.GUEST);
    const guestPat = await makePat(s, guest, { scopes: ['api'] });
    const forbidden = await clone(gitUrl(s.url, privateRepo, { token: guestPat.token }));
    expect(forbidden.stderr).toContain(GIT_MESSAGES.download);
  });

  it('the URL without .git works, and the group and project path match without regard to case', async () => {
    const { token } = await makeGroupToken(s, groupA, { scopes: ['read_repository'] });
    expect((await clone(gitUrl(s.url, privateRepo.replace(/\.git$/, ''), { token }))).code).toBe(0);
    expect((await clone(gitUrl(s.url, `${privateRepo.replace(/\.git$/, '').toUpperCase()}.git`, { token }))).code).toBe(0);
  });

  it('§3.7 a successful Git authentication records last_used_at and the IP, as the API does', async () => {
    const { token, id } = await makeGroupToken(s, groupA, { scopes: ['read_repository'] });
    expect((await findTokenById(s.ctx.database.db, id))!.last_used_at).toBeNull();
    expect((await clone(gitUrl(s.url, privateRepo, { token }))).code).toBe(0);
    await vi.waitFor(async () => {
      await s.ctx.tokenUsage.flush();
      const row = (await findTokenById(s.ctx.database.db, id))!;
      expect(row.last_used_at).toBe(s.clock.now().toISOString());
      expect(JSON.parse(row.last_used_ips)).toEqual(['127.0.0.1']);
    });
  });

  it('a repository with 500 tags clones over protocol v2', async () => {
    const { project, path } = await makeRepositoryProject(s, groupA);
    await seedHistory(path, { commits: 500, tags: 500, env });
    const { token } = await makeGroupToken(s, groupA, { scopes: ['read_repository'] });
    const dest = join(home.path, 'tags-v2');
    const result = await runGit(['-c', 'protocol.version=2', 'clone', gitUrl(s.url, `${groupA.full_path}/${project.path}.git`, { token }), dest], {
      env: { ...env, GIT_TRACE_PACKET: '1' },
    });
    expect(result.code).toBe(0);
    // The server answered in protocol v2 (git sent Git-Protocol: version=2 and the capability advertisement says so).
    expect(result.stderr).toMatch(/< version 2\n/);
    expect(result.stderr).toMatch(/> command=ls-refs\n/);
    const tags = (await runGit(['-C', dest, 'tag', '--list'], { env })).stdout.trim().split('\n');
    expect(tags).toHaveLength(500);
    expect(await commitCount(dest)).toBe(500);
  });
});
