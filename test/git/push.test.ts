import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { GIT_MESSAGES } from '../../src/domain/git-access.js';
import type { GroupRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makeUser } from '../support/factories.js';
import { gitClientEnv, gitUrl, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../support/git-factories.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { basicAuth, FLUSH, pktLine } from './http.js';

describe.each(TEST_DIALECTS)('Git over HTTPS: push (%s)', (dialect) => {
  let s: ServerHarness;
  const home = scratchDir('tollgate-client-');
  const env = gitClientEnv(home.path);
  let group: GroupRow;
  let work = 0;

  /** A project with one commit on main, and a clone of it (through Tollgate) with a new commit on top. */
  async function prepare(token: string, file: { name: string; content: Buffer | string } = { name: 'change.txt', content: 'a change\n' }) {
    const { project, path } = await makeRepositoryProject(s, group);
    await seedHistory(path, { commits: 1, env });
    const repository = `${group.full_path}/${project.path}.git`;
    const dir = join(home.path, `work-${++work}`);
    const cloned = await runGit(['clone', gitUrl(s.url, repository, { token }), dir], { env });
    expect(cloned.code).toBe(0);
    writeFileSync(join(dir, file.name), file.content);
    await runGit(['-C', dir, 'add', file.name], { env });
    expect((await runGit(['-C', dir, 'commit', '-q', '-m', 'change'], { env })).code).toBe(0);
    const head = (await runGit(['-C', dir, 'rev-parse', 'HEAD'], { env })).stdout.trim();
    const serverMain = async () => (await runGit(['--git-dir', path, 'rev-parse', 'main'], { env })).stdout.trim();
    return { dir, path, repository, head, before: await serverMain(), serverMain };
  }
  const push = (dir: string) => runGit(['-C', dir, 'push', 'origin', 'main'], { env });

  beforeAll(async () => {
    s = await startServer(dialect);
    group = await makeGroup(s, await makeUser(s));
  });
  afterAll(async () => {
    await s.close();
    home.remove();
  });

  it('§3.5 push with write_repository as a Developer succeeds', async () => {
    const { token } = await makeGroupToken(s, group, { scopes: ['write_repository'], level: AccessLevel.DEVELOPER });
    const repo = await prepare(token);
    const result = await push(repo.dir);
    expect(result.stderr).not.toMatch(/fatal|rejected/);
    expect(result.code).toBe(0);
    expect(await repo.serverMain()).toBe(repo.head);
  });

  it('§3.5 push with read_repository is refused: 403 "You are not allowed to upload code."', async () => {
    const { token } = await makeGroupToken(s, group, { scopes: ['read_repository'], level: AccessLevel.MAINTAINER });
    const repo = await prepare(token);
    const result = await push(repo.dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`remote: ${GIT_MESSAGES.authUpload}`);
    expect(await repo.serverMain()).toBe(repo.before);
  });

  it('§3.5 push with a Reporter-level write_repository token is refused: 403 "You are not allowed to push code to this project."', async () => {
    const { token } = await makeGroupToken(s, group, { scopes: ['write_repository'], level: AccessLevel.REPORTER });
    const repo = await prepare(token);
    const result = await push(repo.dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`remote: ${GIT_MESSAGES.pushCode}`);
    expect(await repo.serverMain()).toBe(repo.before);
  });

  it('a 20 MB push streams through (chunked request body) and lands in the repository', async () => {
    const { token } = await makeGroupToken(s, group, { scopes: ['write_repository'], level: AccessLevel.DEVELOPER });
    const content = randomBytes(20 * 1024 * 1024);
    const repo = await prepare(token, { name: 'big.bin', content });
    const result = await push(repo.dir);
    expect(result.stderr).not.toMatch(/fatal|rejected/);
    expect(result.code).toBe(0);
    expect(await repo.serverMain()).toBe(repo.head);
    const size = await runGit(['--git-dir', repo.path, 'cat-file', '-s', `${repo.head}:big.bin`], { env });
    expect(Number(size.stdout.trim())).toBe(content.length);
  });

  it('a client that disconnects mid-push leaves the repository as it was (no ref moved, quarantine dropped, fsck clean)', async () => {
    const { token } = await makeGroupToken(s, group, { scopes: ['write_repository'], level: AccessLevel.DEVELOPER });
    const repo = await prepare(token, { name: 'big.bin', content: randomBytes(16 * 1024 * 1024) });
    const pack = execFileSync('git', ['-C', repo.dir, 'pack-objects', '--revs', '--stdout', '-q'], {
      env,
      input: `${repo.head}\n^${repo.before}\n`,
      maxBuffer: 64 * 1024 * 1024,
    });
    const commands = Buffer.concat([pktLine(`${repo.before} ${repo.head} refs/heads/main\0report-status\n`), FLUSH]);
    const objects = join(repo.path, 'objects');
    const quarantines = () => readdirSync(objects).filter((name) => name.startsWith('tmp_objdir-incoming'));

    // Half the pack, then the connection drops while receive-pack is reading it into its quarantine.
    const { hostname, port } = new URL(s.url);
    const req = httpRequest({
      host: hostname,
      port,
      method: 'POST',
      path: `/${repo.repository}/git-receive-pack`,
      headers: { authorization: basicAuth(token), 'content-type': 'application/x-git-receive-pack-request' },
    });
    req.on('error', () => {});
    req.write(Buffer.concat([commands, pack.subarray(0, pack.length / 2)]));
    await vi.waitFor(() => expect(quarantines()).not.toHaveLength(0), { timeout: 10_000, interval: 10 });
    req.destroy();

    await vi.waitFor(() => expect(quarantines()).toHaveLength(0), { timeout: 10_000, interval: 20 });
    expect(await repo.serverMain()).toBe(repo.before);
    const fsck = await runGit(['--git-dir', repo.path, 'fsck', '--full', '--no-dangling'], { env });
    expect(fsck.stderr).toBe('');
    expect(fsck.code).toBe(0);
    // And the same push, completed this time, goes through.
    const result = await push(repo.dir);
    expect(result.code).toBe(0);
    expect(await repo.serverMain()).toBe(repo.head);
  });
});
