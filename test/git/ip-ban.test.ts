import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GIT_MESSAGES } from '../../src/domain/git-access.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeUser } from '../support/factories.js';
import { gitClientEnv, gitUrl, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { basicAuth, rawRequest } from './http.js';

const HOUR_MS = 3600 * 1000;

describe.each(TEST_DIALECTS)('Git over HTTPS: failed-authentication ban (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let repository: string;
  let token: string;

  beforeAll(async () => {
    s = await startServer(dialect);
    const group = await makeGroup(s, await makeUser(s));
    const { project, path } = await makeRepositoryProject(s, group);
    await seedHistory(path, { commits: 1, env });
    repository = `${group.full_path}/${project.path}.git`;
    ({ token } = await makeGroupToken(s, group, { scopes: ['read_repository'] }));
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  const lsRemote = (presented: string) => runGit(['ls-remote', gitUrl(s.url, repository, { token: presented })], { env });
  /** One info/refs request from `ip` (a 127.0.0.x loopback address stands for another client). */
  const fromIp = async (ip: string, presented: string) =>
    (await rawRequest(s.url, { path: `/${repository}/info/refs?service=git-upload-pack`, headers: { authorization: basicAuth(presented) }, localAddress: ip })).status;

  it('§3.5 30 failed Git authentications from one IP within 3 minutes ban it for an hour (403); the ban lifts after the hour', async () => {
    for (let i = 0; i < 30; i++) {
      const failed = await lsRemote('glpat-wrong');
      expect(failed.stderr).toContain('Authentication failed');
    }
    const banned = await lsRemote(token);
    expect(banned.code).not.toBe(0);
    expect(banned.stderr).toContain(`remote: ${GIT_MESSAGES.ipBanned}`);
    expect(banned.stderr).toMatch(/403/);
    // Only that IP: another client is served.
    expect(await fromIp('127.0.0.2', token)).toBe(200);

    s.clock.advance(HOUR_MS - 1000);
    expect((await lsRemote(token)).code).not.toBe(0);
    s.clock.advance(1000);
    const lifted = await lsRemote(token);
    expect(lifted.stderr).toBe('');
    expect(lifted.code).toBe(0);
  });

  it('failures older than the 3-minute window do not count', async () => {
    const ip = '127.0.0.3';
    for (let i = 0; i < 29; i++) expect(await fromIp(ip, 'glpat-wrong')).toBe(401);
    s.clock.advance(181 * 1000);
    for (let i = 0; i < 29; i++) expect(await fromIp(ip, 'glpat-wrong')).toBe(401);
    expect(await fromIp(ip, token)).toBe(200);
  });

  it("a success clears that IP's count only: other IPs keep theirs", async () => {
    const [a, b] = ['127.0.0.4', '127.0.0.5'];
    for (let i = 0; i < 29; i++) {
      expect(await fromIp(a, 'glpat-wrong')).toBe(401);
      expect(await fromIp(b, 'glpat-wrong')).toBe(401);
    }
    expect(await fromIp(a, token)).toBe(200);
    expect(await fromIp(a, 'glpat-wrong')).toBe(401);
    expect(await fromIp(b, 'glpat-wrong')).toBe(401);
    expect(await fromIp(a, token)).toBe(200);
    expect(await fromIp(b, token)).toBe(403);
  });

  it('anonymous requests are not failures, and a banned IP may still pull public projects anonymously (as GitLab checks the ban with credentials)', async () => {
    const ip = '127.0.0.6';
    for (let i = 0; i < 40; i++) expect((await rawRequest(s.url, { path: `/${repository}/info/refs?service=git-upload-pack`, localAddress: ip })).status).toBe(401);
    expect(await fromIp(ip, token)).toBe(200);
  });

  it('configurable in the application settings: max attempts, and off altogether', async () => {
    const admin = await makePat(s, s.root, { scopes: ['api'] });
    const put = (body: Record<string, unknown>) =>
      fetch(`${s.url}/api/v4/application/settings`, { method: 'PUT', headers: { 'private-token': admin.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put({ failed_auth_ban_max_attempts: 3, failed_auth_ban_duration_seconds: 60 })).status).toBe(200);
    const ip = '127.0.0.7';
    for (let i = 0; i < 3; i++) expect(await fromIp(ip, 'glpat-wrong')).toBe(401);
    expect(await fromIp(ip, token)).toBe(403);
    s.clock.advance(60 * 1000);
    expect(await fromIp(ip, token)).toBe(200);

    expect((await put({ failed_auth_ban_enabled: false })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect(await fromIp(ip, 'glpat-wrong')).toBe(401);
    expect(await fromIp(ip, token)).toBe(200);
    expect((await put({ failed_auth_ban_enabled: true, failed_auth_ban_max_attempts: 30, failed_auth_ban_duration_seconds: 3600 })).status).toBe(200);
  });
});
