import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GIT_MESSAGES } from '../../src/domain/git-access.js';
import { initBareRepository } from '../../src/services/repositories.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makeUser } from '../support/factories.js';
import { gitClientEnv, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { basicAuth, FLUSH, pktLine, rawRequest } from './http.js';

describe.each(TEST_DIALECTS)('Git over HTTPS: bad input (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let repository: string;
  let token: string;
  let head: string;

  beforeAll(async () => {
    s = await startServer(dialect);
    const group = await makeGroup(s, await makeUser(s));
    const { project, path } = await makeRepositoryProject(s, group);
    await seedHistory(path, { commits: 2, env });
    head = (await runGit(['--git-dir', path, 'rev-parse', 'main'], { env })).stdout.trim();
    repository = `${group.full_path}/${project.path}.git`;
    ({ token } = await makeGroupToken(s, group, { scopes: ['write_repository'], level: AccessLevel.OWNER }));
    // A repository beside the repositories root, which no request may ever reach.
    const canary = join(s.ctx.config.dataDir, 'secret.git');
    await initBareRepository(canary);
    await seedHistory(canary, { commits: 1, env });
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  const infoRefs = (path: string, headers: Record<string, string> = { authorization: basicAuth(token) }) => rawRequest(s.url, { path, headers });

  it('paths with "..", encoded slashes, NUL bytes, empty or absolute segments answer 4xx and never reach a repository outside the root', async () => {
    const service = '?service=git-upload-pack';
    const attempts = [
      `/../secret.git/info/refs${service}`,
      `/repositories/../secret.git/info/refs${service}`,
      `/${repository.split('/')[0]}/../../secret.git/info/refs${service}`,
      `/${repository.split('/')[0]}/..%2F..%2Fsecret.git/info/refs${service}`,
      `/%2E%2E/secret.git/info/refs${service}`,
      `/${repository.replace('/', '%2F')}/info/refs${service}`,
      `/${repository.replace('.git', '%00.git')}/info/refs${service}`,
      `//${s.ctx.config.dataDir.slice(1)}/secret.git/info/refs${service}`,
      `/${repository.split('/')[0]}//secret.git/info/refs${service}`,
      `/.git/secret.git/info/refs${service}`,
      `/${repository.replace('/', '\\')}/info/refs${service}`,
    ];
    for (const path of attempts) {
      const res = await infoRefs(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.toString(), path).not.toContain('refs/heads/main');
    }
    // The absolute form of a request target is not a repository path either.
    const absolute = await infoRefs(`http://127.0.0.1/${repository}/info/refs${service}`);
    expect(absolute.status).toBeGreaterThanOrEqual(400);
    expect(absolute.status).toBeLessThan(500);
  });

  it('unknown or missing services answer 403 "The command you\'re trying to execute is not allowed."', async () => {
    for (const query of ['?service=git-foo', '?service=git-upload-archive', '', '?service=']) {
      const res = await infoRefs(`/${repository}/info/refs${query}`);
      expect(res.status, query).toBe(403);
      expect(res.body.toString()).toBe(`${GIT_MESSAGES.commandNotAllowed}\n`);
    }
  });

  it('non-Basic Authorization, blank usernames and undecodable Basic credentials answer 401 with the Basic challenge', async () => {
    const path = `/${repository}/info/refs?service=git-upload-pack`;
    expect((await infoRefs(path)).status).toBe(200);
    for (const authorization of [`Bearer ${token}`, `Digest ${token}`, basicAuth(token, ''), basicAuth(token, '   '), 'Basic !!!', 'Basic', `Basic ${Buffer.from(token).toString('base64')}`, basicAuth('')]) {
      const res = await infoRefs(path, { authorization });
      expect(res.status, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Tollgate"');
    }
  });

  it('oversized headers answer 431', async () => {
    const res = await infoRefs(`/${repository}/info/refs?service=git-upload-pack`, { authorization: basicAuth(token), 'x-padding': 'x'.repeat(20_000) });
    expect(res.status).toBe(431);
  });

  /** A protocol v0 fetch of main: one want, done. */
  const uploadPackRequest = () => Buffer.concat([pktLine(`want ${head} ofs-delta\n`), FLUSH, pktLine('done\n')]);
  const uploadPack = (body: Buffer, headers: Record<string, string> = {}) =>
    rawRequest(s.url, {
      method: 'POST',
      path: `/${repository}/git-upload-pack`,
      headers: { authorization: basicAuth(token), 'content-type': 'application/x-git-upload-pack-request', ...headers },
      body,
    });

  it('request bodies stream through plain, chunked and gzip-encoded, and the CGI status is mapped', async () => {
    for (const [body, headers] of [
      [uploadPackRequest(), {}],
      [uploadPackRequest(), { 'transfer-encoding': 'chunked' }],
      [gzipSync(uploadPackRequest()), { 'content-encoding': 'gzip' }],
    ] as const) {
      const res = await uploadPack(body, headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-git-upload-pack-result');
      expect(res.body.subarray(0, 8).toString()).toBe('0008NAK\n');
      expect(res.body.includes(Buffer.from('PACK'))).toBe(true);
    }
    // git http-backend's own refusal (a wrong content type) keeps its status.
    const wrongType = await uploadPack(uploadPackRequest(), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
  });

  it('a body that is not the gzip it claims answers 400; an unknown Content-Encoding 415', async () => {
    expect((await uploadPack(uploadPackRequest(), { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await uploadPack(uploadPackRequest(), { 'content-encoding': 'br' })).status).toBe(415);
  });
});
