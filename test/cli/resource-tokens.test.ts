import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays } from '../../src/domain/expiry.js';
import { POSTGRES_URL, TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeProject, makeUser } from '../support/factories.js';
import { TEST_SECRET } from '../support/harness.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * `tollgate group-tokens|project-tokens create|list|rotate|revoke`, the built console (node
 * bin/tollgate.js), on the database of a running server: whatever the console does, the API sees,
 * and the other way round. One set of commands, run for both kinds of resource.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BUILT = join(ROOT, 'dist/cli/main.js');
const SOURCES = ['src/cli/resource-tokens.ts', 'src/cli/main.ts', 'src/services/resource-access-tokens.ts'].map((file) => join(ROOT, file));

/** The console runs from dist/: build it when it is missing or older than what it is built from. */
function ensureBuilt() {
  const builtAt = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
  if (SOURCES.some((file) => statSync(file).mtimeMs > builtAt)) execFileSync('node', ['scripts/build-server.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const KINDS = ['group', 'project'] as const;

describe.each(TEST_DIALECTS.flatMap((dialect) => KINDS.map((kind) => [dialect, kind] as const)))('tollgate %s: %s-tokens', (dialect, kind) => {
  let s: ServerHarness;
  let dataDir: string;
  let ownerPat: string;
  /** The group, or a project in it (its Owner manages both): id, full path, API path. */
  let res: { id: number; fullPath: string; path: string };
  const cmd = `${kind}-tokens`;
  const flag = `--${kind}`;

  beforeAll(async () => {
    ensureBuilt();
    // The console keeps real time; so must the server that shares its database.
    s = await startServer(dialect, { now: new Date().toISOString() });
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    const owner = await makeUser(s);
    ownerPat = (await makePat(s, owner)).token;
    const group = await makeGroup(s, owner, { path: `console-${dialect}-${kind}` });
    const project = kind === 'project' ? await makeProject(s, group, { path: 'console-project' }) : null;
    res = project
      ? { id: project.id, fullPath: `${group.full_path}/${project.path}`, path: `/projects/${project.id}` }
      : { id: group.id, fullPath: group.full_path, path: `/groups/${group.id}` };
  }, 180_000);
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await s.close();
  });

  function databaseUrl(): string {
    const { url, searchPath } = s.testDatabase;
    if (!searchPath) return url;
    return `${POSTGRES_URL}${POSTGRES_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${searchPath}`)}`;
  }

  const tollgate = (...args: string[]): Promise<Outcome> =>
    new Promise((done) => {
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_DATABASE_URL: databaseUrl(),
        TOLLGATE_SECRET: TEST_SECRET,
        TOLLGATE_EXTERNAL_URL: s.url,
      };
      execFile('node', [join(ROOT, 'bin/tollgate.js'), ...args], { env, cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });

  const api = (token: string, path: string, method = 'GET') => fetch(`${s.url}/api/v4${path}`, { method, headers: { 'private-token': token } });
  const botCount = async () => (await s.ctx.database.db.selectFrom('users').select('id').where('user_type', '=', 'project_bot').execute()).length;
  /**
   * The console is another process: the server hears of its changes through the database's
   * change feed, at once on SQLite and on NOTIFY on PostgreSQL (its 100 ms bound is shown in
   * src/services/token-cache.test.ts; a request to a busy machine may take longer by itself).
   */
  const expectRefusedSoon = (token: string) =>
    vi.waitFor(async () => expect((await api(token, `${res.path}`)).status).toBe(401), { timeout: 2_000, interval: 10 });

  it('the whole lifecycle: create → list → rotate → revoke, matching the API at every step', async () => {
    const today = s.ctx.clock.now().toISOString().slice(0, 10);
    const expiresAt = addDays(today, 30);

    const created = await tollgate(cmd, 'create', flag, res.fullPath, '--name', 'console token', '--scopes', 'api,read_repository', '--access-level', '30', '--expires-at', expiresAt, '--description', 'made in the console');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    // Only the token, so that scripts can capture it.
    expect(created.stdout).toMatch(/^glpat-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}\n$/);
    const token = created.stdout.trim();

    // The console-made token authenticates, and is what the console said.
    expect((await api(token, `${res.path}`)).status).toBe(200);
    const self = await (await api(token, `${res.path}/access_tokens/self`)).json();
    expect(self).toMatchObject({ name: 'console token', description: 'made in the console', scopes: ['api', 'read_repository'], access_level: 30, expires_at: expiresAt, resource_id: res.id });

    // `list --json` is the API's list.
    await s.ctx.tokenUsage.flush(); // last_used_at is written after the response, in batches
    const listedJson = await tollgate(cmd, 'list', flag, String(res.id), '--json');
    expect(listedJson.code).toBe(0);
    const viaApi = await (await api(ownerPat, `${res.path}/access_tokens`)).json();
    expect(JSON.parse(listedJson.stdout)).toEqual(viaApi);
    expect(viaApi.map((t: { id: number }) => t.id)).toEqual([self.id]);
    const table = (await tollgate(cmd, 'list', flag, res.fullPath)).stdout.trim().split('\n');
    expect(table[0]).toBe('id\tname\tstate\taccess_level\tscopes\texpires_at\tlast_used_at');
    expect(table[1]).toMatch(new RegExp(`^${self.id}\tconsole token\tactive\t30\tapi,read_repository\t${expiresAt}\t`));

    // Rotate: only the new token; the old one is refused from then on.
    const rotated = await tollgate(cmd, 'rotate', flag, String(res.id), '--token-id', String(self.id));
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const newToken = rotated.stdout.trim();
    expect(newToken).toMatch(/^glpat-/);
    expect(newToken).not.toBe(token);
    await expectRefusedSoon(token);
    expect((await api(newToken, `${res.path}`)).status).toBe(200);
    const successor = await (await api(newToken, `${res.path}/access_tokens/self`)).json();
    expect(successor).toMatchObject({ name: 'console token', user_id: self.user_id, access_level: 30, expires_at: addDays(today, 7) });
    const afterRotation = await tollgate(cmd, 'list', flag, String(res.id), '--state', 'active', '--json');
    expect(JSON.parse(afterRotation.stdout).map((t: { id: number }) => t.id)).toEqual([successor.id]);

    // Revoke: silent success; the new token is refused.
    const revoked = await tollgate(cmd, 'revoke', flag, String(res.id), '--token-id', String(successor.id));
    expect(revoked).toEqual({ code: 0, stdout: '', stderr: '' });
    await expectRefusedSoon(newToken);
    const final = await (await api(ownerPat, `${res.path}/access_tokens/${successor.id}`)).json();
    expect(final).toMatchObject({ revoked: true, active: false });

    // Every step is in the resource's audit log, by the console.
    const events = await (await api(ownerPat, `${res.path}/audit_events`)).json();
    expect(events.map((e: { event_name: string; details: { author_name: string } }) => [e.event_name, e.details.author_name])).toEqual([
      [`${kind}_access_token_deleted`, 'Tollgate console'],
      [`${kind}_access_token_rotated`, 'Tollgate console'],
      [`${kind}_access_token_created`, 'Tollgate console'],
    ]);
  }, 120_000);

  it('a rotation with --expires-at, and a token the API made, rotated by the console', async () => {
    const made = await (
      await fetch(`${s.url}/api/v4${res.path}/access_tokens`, {
        method: 'POST',
        headers: { 'private-token': ownerPat, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'api made', scopes: ['read_api'] }),
      })
    ).json();
    const expiresAt = addDays(s.ctx.clock.now().toISOString().slice(0, 10), 60);
    const rotated = await tollgate(cmd, 'rotate', flag, res.fullPath, '--token-id', String(made.id), '--expires-at', expiresAt);
    expect(rotated.code).toBe(0);
    const self = await (await api(rotated.stdout.trim(), `${res.path}/access_tokens/self`)).json();
    expect(self).toMatchObject({ name: 'api made', expires_at: expiresAt, scopes: ['read_api'] });
    await expectRefusedSoon(made.token);
  }, 120_000);

  it("Tollgate's own: create --allowed-cidrs limits the token (kept by rotation); rotate --grace-period-seconds keeps the old value working", async () => {
    const created = await tollgate(cmd, 'create', flag, String(res.id), '--name', 'office', '--scopes', 'api', '--allowed-cidrs', '10.0.0.0/8, 127.0.0.0/8');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const token = created.stdout.trim();
    const self = await (await api(token, `${res.path}/access_tokens/self`)).json();
    expect(self.allowed_cidrs).toEqual(['10.0.0.0/8', '127.0.0.0/8']);

    const rotated = await tollgate(cmd, 'rotate', flag, String(res.id), '--token-id', String(self.id), '--grace-period-seconds', '600');
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const successor = await (await api(rotated.stdout.trim(), `${res.path}/access_tokens/self`)).json();
    expect(successor.allowed_cidrs).toEqual(['10.0.0.0/8', '127.0.0.0/8']);
    expect((await api(token, `${res.path}/access_tokens/self`)).status).toBe(200);

    const limited = await tollgate(cmd, 'create', flag, String(res.id), '--name', 'elsewhere', '--scopes', 'api', '--allowed-cidrs', '10.0.0.0/8');
    await vi.waitFor(async () => expect((await api(limited.stdout.trim(), res.path)).status).toBe(401), { timeout: 2_000, interval: 10 });

    const bots = await botCount();
    const invalid = await tollgate(cmd, 'create', flag, String(res.id), '--name', 'x', '--scopes', 'api', '--allowed-cidrs', 'nowhere');
    expect(invalid).toMatchObject({ code: 1, stdout: '', stderr: 'tollgate: allowed_cidrs is invalid\n' });
    const badGrace = await tollgate(cmd, 'rotate', flag, String(res.id), '--token-id', String(successor.id), '--grace-period-seconds', 'soon');
    expect(badGrace).toMatchObject({ code: 1, stdout: '', stderr: 'tollgate: grace_period_seconds does not have a valid value\n' });
    expect(await botCount()).toBe(bots);
  }, 120_000);

  it('errors: one line on stderr, a non-zero exit, nothing on stdout and nothing written', async () => {
    const bots = await botCount();
    const cases: [string[], RegExp][] = [
      [['create', flag, 'no/such/group', '--name', 'x', '--scopes', 'api'], new RegExp(`^tollgate: 404 ${kind === 'group' ? 'Group' : 'Project'} Not Found\n$`)],
      [['create', flag, String(res.id), '--name', 'x', '--scopes', 'api,sudo'], /^tollgate: 400 Bad request - Scopes can only contain available scopes\n$/],
      [['create', flag, String(res.id), '--name', ' ', '--scopes', 'api'], /^tollgate: 400 Bad request - Name can't be blank\n$/],
      [['create', flag, String(res.id), '--name', 'x', '--scopes', ''], /^tollgate: 400 Bad request - Scopes can't be blank\n$/],
      [['create', flag, String(res.id), '--name', 'x', '--scopes', 'api', '--expires-at', '2099-01-01'], /^tollgate: 400 Bad request - Expires at must be before \d{4}-\d{2}-\d{2}\n$/],
      [['create', flag, String(res.id), '--name', 'x', '--scopes', 'api', '--access-level', '60'], /^error: option '--access-level <N>' argument '60' is invalid\. expected one of 10, 15, 20, 30, 40, 50\n$/],
      [['create', flag, String(res.id), '--name', 'x', '--scopes', 'api', '--expires-at', '2027-02-30'], /^error: option '--expires-at <YYYY-MM-DD>' argument '2027-02-30' is invalid\. expected a date as YYYY-MM-DD\n$/],
      [['create', flag, String(res.id), '--scopes', 'api'], /^error: required option '--name <name>' not specified\n$/],
      [['rotate', flag, String(res.id), '--token-id', '999999'], /^tollgate: 404 Not Found\n$/],
      [['revoke', flag, String(res.id), '--token-id', 'abc'], new RegExp(`^tollgate: 404 ${kind} Access Token Not Found\n$`)],
      [['list', flag, String(res.id), '--state', 'dormant'], /^error: option '--state <active\|inactive>' argument 'dormant' is invalid\. expected active or inactive\n$/],
    ];
    for (const [args, stderr] of cases) {
      const outcome = await tollgate(cmd, ...args);
      expect(outcome.code, args.join(' ')).not.toBe(0);
      expect(outcome.stdout, args.join(' ')).toBe('');
      expect(outcome.stderr, args.join(' ')).toMatch(stderr);
    }
    expect(await botCount()).toBe(bots);
  }, 180_000);
});
