import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupRow, UserRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeUser } from '../support/factories.js';
import { gitClientEnv, gitUrl, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { basicAuth, rawRequest } from './http.js';

/**
 * Tollgate's own token features over Git (issue 13, docs/api.md "Tollgate's own features"), with a
 * real git client against a real server: a rotation's overlap window, and a token's IP allowlist.
 */
describe.each(TEST_DIALECTS)('Git over HTTPS: rotation overlap window and IP allowlist (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let owner: UserRow;
  let ownerPat: string;
  let group: GroupRow;
  let repository: string;

  beforeAll(async () => {
    s = await startServer(dialect, { now: '2026-06-15T12:00:00.000Z' });
    owner = await makeUser(s);
    ownerPat = (await makePat(s, owner)).token;
    group = await makeGroup(s, owner);
    const { project, path } = await makeRepositoryProject(s, group);
    await seedHistory(path, { commits: 1, env });
    repository = `${group.full_path}/${project.path}.git`;
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  const lsRemote = (token: string) => runGit(['ls-remote', gitUrl(s.url, repository, { token })], { env });
  const works = async (token: string) => {
    const result = await lsRemote(token);
    return result.code === 0 && result.stdout.includes('refs/heads/main');
  };
  const api = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${s.url}/api/v4${path}`, { method, headers: { 'private-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const failuresOf = async (ip: string) =>
    (await s.ctx.database.db.selectFrom('failed_authentications').select('id').where('ip', '=', ip).execute()).length;

  it('with a 3-second window the old and new values both clone; the old one is refused once it ends, and presenting it to rotate then revokes its successor', async () => {
    const old = await makeGroupToken(s, group, { scopes: ['read_repository', 'self_rotate'] });
    expect(await works(old.token)).toBe(true);
    const rotated = await api('POST', `/groups/${group.id}/access_tokens/${old.id}/rotate`, ownerPat, { grace_period_seconds: 3 });
    expect(rotated.status).toBe(200);
    const successor = (await rotated.json()) as { token: string; id: number };
    expect(await works(old.token)).toBe(true);
    expect(await works(successor.token)).toBe(true);

    s.clock.advance(3000);
    const refused = await lsRemote(old.token);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Authentication failed');
    expect(await works(successor.token)).toBe(true);

    // §4.3 reuse detection, as for any revoked token presented to a rotate endpoint.
    expect((await api('POST', `/groups/${group.id}/access_tokens/self/rotate`, old.token, {})).status).toBe(401);
    expect(await works(successor.token)).toBe(false);
  });

  it('a token limited to 10.0.0.0/8 is refused over loopback, and the refusal counts towards the IP ban', async () => {
    const limited = await makeGroupToken(s, group, { allowedCidrs: ['10.0.0.0/8'] });
    const before = await failuresOf('127.0.0.1');
    const refused = await lsRemote(limited.token);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Authentication failed');
    expect(await failuresOf('127.0.0.1')).toBeGreaterThan(before);
    const res = await rawRequest(s.url, { path: `/${repository}/info/refs?service=git-upload-pack`, headers: { authorization: basicAuth(limited.token) } });
    expect(res.status).toBe(401);
  });

  it('a token limited to 127.0.0.0/8 and ::1 clones over loopback', async () => {
    const loopback = await makeGroupToken(s, group, { allowedCidrs: ['127.0.0.0/8', '::1'] });
    expect(await works(loopback.token)).toBe(true);
  });
});
