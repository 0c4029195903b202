import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import { verifyPassword } from '../../src/services/passwords.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { cliInstance, expectOneLineError, runCli, startServe, type CliInstance } from './process.js';

/** Polls a condition (a process's output, a port) until it holds. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

const PASSWORD_LINE = /Created the administrator "root" with the password: (\S+)/;

async function rootRow(instance: CliInstance) {
  const database = instance.openDatabase();
  try {
    return await database.db.selectFrom('users').selectAll().where('username', '=', 'root').executeTakeFirstOrThrow();
  } finally {
    await database.close();
  }
}

async function tableRows(instance: CliInstance, tables: ('users' | 'settings' | 'kysely_migration')[]) {
  const database = instance.openDatabase();
  try {
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) rows[table] = await (database.db as any).selectFrom(table).selectAll().execute();
    return rows;
  } finally {
    await database.close();
  }
}

describe.each(TEST_DIALECTS)('the tollgate console, built, as a child process (%s)', (dialect) => {
  let instance: CliInstance;
  const others: CliInstance[] = [];
  let rootPassword: string;
  const fresh = async () => {
    const created = await cliInstance(dialect);
    others.push(created);
    return created;
  };
  beforeAll(async () => {
    instance = await cliInstance(dialect);
  });
  afterAll(async () => {
    for (const each of [instance, ...others]) await each?.remove();
  });

  it('first start: migrations run, root is created, its password printed once and written to <data>/initial_root_password', async () => {
    const server = await startServe(instance.env);
    const { code } = await server.stop();
    expect(code).toBe(0);
    const printed = PASSWORD_LINE.exec(server.stdout());
    expect(printed, server.stdout()).not.toBeNull();
    rootPassword = printed![1]!;
    expect(server.stdout().match(new RegExp(rootPassword, 'g'))).toHaveLength(1);
    const file = join(instance.dataDir, 'initial_root_password');
    expect(readFileSync(file, 'utf8')).toBe(`${rootPassword}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const root = await rootRow(instance);
    expect(root).toMatchObject({ is_admin: 1, user_type: 'human', state: 'active' });
    expect(await verifyPassword(rootPassword, root.password_digest)).toBe(true);
  });

  it('a second start changes nothing: no password printed, the file, root and the migrations as they were', async () => {
    const before = await tableRows(instance, ['users', 'kysely_migration']);
    const file = readFileSync(join(instance.dataDir, 'initial_root_password'), 'utf8');
    const server = await startServe(instance.env);
    expect((await server.stop()).code).toBe(0);
    expect(server.stdout()).not.toMatch(PASSWORD_LINE);
    expect(server.stdout()).not.toContain(rootPassword);
    expect(readFileSync(join(instance.dataDir, 'initial_root_password'), 'utf8')).toBe(file);
    expect(await tableRows(instance, ['users', 'kysely_migration'])).toEqual(before);
  });

  it('TOLLGATE_INITIAL_ROOT_PASSWORD is used and never printed nor written to a file', async () => {
    const other = await fresh();
    const password = 'operator-chosen-password';
    const result = await runCli(['users', 'create', '--username', 'first', '--email', 'first@example.com', '--name', 'First'], {
      ...other.env,
      TOLLGATE_INITIAL_ROOT_PASSWORD: password,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(existsSync(join(other.dataDir, 'initial_root_password'))).toBe(false);
    expect(await verifyPassword(password, (await rootRow(other)).password_digest)).toBe(true);
  });

  it('a console command that starts an instance first shows the generated password on stderr: stdout stays its result', async () => {
    const other = await fresh();
    const result = await runCli(['pat', 'create', '--user', 'root', '--name', 'first', '--scopes', 'api'], other.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^glpat-\S+\n$/);
    const password = PASSWORD_LINE.exec(result.stderr)![1]!;
    expect(readFileSync(join(other.dataDir, 'initial_root_password'), 'utf8')).toBe(`${password}\n`);
  });

  it('`tollgate pat create --user root --name ci --scopes api` prints only the token, which authenticates GET /api/v4/user as the admin', async () => {
    const result = await runCli(['pat', 'create', '--user', 'root', '--name', 'ci', '--scopes', 'api'], instance.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^glpat-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}\n$/);
    const token = result.stdout.trim();
    const server = await startServe(instance.env);
    try {
      const res = await fetch(`${server.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': token } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ username: 'root', is_admin: true });
      const unknown = await fetch(`${server.url}/api/v4/user`, { headers: { 'PRIVATE-TOKEN': `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}` } });
      expect(unknown.status).toBe(401);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('pat create refuses unknown users and scopes with one line on stderr', async () => {
    expectOneLineError(await runCli(['pat', 'create', '--user', 'nobody', '--name', 'x', '--scopes', 'api'], instance.env), /^tollgate: no user named "nobody"$/);
    expectOneLineError(await runCli(['pat', 'create', '--user', 'root', '--name', 'x', '--scopes', 'api,everything'], instance.env), /^tollgate: Scopes can only contain available scopes$/);
  });

  it('`users create` prints the new id; a taken username is refused with one line and nothing changes', async () => {
    const created = await runCli(['users', 'create', '--username', 'dana', '--email', 'dana@example.com', '--name', 'Dana'], instance.env);
    expect(created.code, created.stderr).toBe(0);
    const id = Number(created.stdout.trim());
    const before = await tableRows(instance, ['users']);
    expect(before.users).toContainEqual(expect.objectContaining({ id, username: 'dana', is_admin: 0 }));
    expectOneLineError(
      await runCli(['users', 'create', '--username', 'DANA', '--email', 'other@example.com', '--name', 'Other'], instance.env),
      /^tollgate: Username has already been taken$/,
    );
    expect(await tableRows(instance, ['users'])).toEqual(before);
  });

  it('`settings get|set`: read all or one, change one; a bad key or value is one line on stderr, exit non-zero, nothing changed', async () => {
    const all = await runCli(['settings', 'get'], instance.env);
    expect(JSON.parse(all.stdout)).toEqual(DEFAULT_SETTINGS);
    const set = await runCli(['settings', 'set', 'max_personal_access_token_lifetime', '30'], instance.env);
    expect(set).toMatchObject({ code: 0, stdout: '30\n', stderr: '' });
    expect((await runCli(['settings', 'get', 'max_personal_access_token_lifetime'], instance.env)).stdout).toBe('30\n');
    const before = await tableRows(instance, ['settings']);
    expectOneLineError(await runCli(['settings', 'set', 'no_such_setting', '1'], instance.env), /^tollgate: unknown setting "no_such_setting"/);
    expectOneLineError(await runCli(['settings', 'set', 'max_personal_access_token_lifetime', '0'], instance.env), /^tollgate: Max personal access token lifetime must be an integer between 1 and 400$/);
    expectOneLineError(await runCli(['settings', 'set', 'token_reuse_detection', 'sometimes'], instance.env), /^tollgate: Token reuse detection must be one of rotate, any_use, off$/);
    expect(await tableRows(instance, ['settings'])).toEqual(before);
    expect((await runCli(['settings', 'set', 'inactive_resource_access_tokens_delete_after_days', ''], instance.env)).stdout).toBe('null\n');
  });

  it('`migrate` applies the migrations of a new database once; then the database is up to date', async () => {
    const other = await fresh();
    const first = await runCli(['migrate'], other.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 0001_initial(, \w+)*\n$/);
    expect((await runCli(['migrate'], other.env)).stdout).toBe('Database is up to date.\n');
  });

  it('a different TOLLGATE_SECRET against an existing database refuses to start, with a clear message', async () => {
    const env = { ...instance.env, TOLLGATE_SECRET: 'not-the-secret-this-database-knows' };
    expectOneLineError(await runCli(['serve'], env), /^tollgate: the instance secret differs from the one this database was created with/);
  });

  it('SIGTERM: the server stops accepting, answers the request in flight, and exits with code 0', async () => {
    const token = (await runCli(['pat', 'create', '--user', 'root', '--name', 'shutdown', '--scopes', 'api'], instance.env)).stdout.trim();
    // At debug the server logs each request as it arrives.
    const server = await startServe({ ...instance.env, TOLLGATE_EXTERNAL_URL: 'https://tollgate.example.com/', TOLLGATE_LOG_LEVEL: 'debug' });
    // Link headers come from TOLLGATE_EXTERNAL_URL, whatever address the request reached.
    const users = await fetch(`${server.url}/api/v4/users?per_page=1`, { headers: { 'PRIVATE-TOKEN': token } });
    expect(users.headers.get('link')).toMatch(/^<https:\/\/tollgate\.example\.com\/api\/v4\/users\?per_page=1&page=2>; rel="next"/);

    const body = JSON.stringify({ name: 'Made during shutdown', path: 'shutdown' });
    const req = request(`${server.url}/api/v4/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'private-token': token },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
    });
    // Half the body now: once the server has logged the request, it is in flight.
    req.write(body.slice(0, 10));
    await until(() => server.stdout().split('\n').some((line) => line.includes('"msg":"request received"') && line.includes('"path":"/api/v4/groups"')));
    server.process.kill('SIGTERM');
    // Once new connections are refused, the server is closing.
    await until(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(server.port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(false);
          });
          socket.once('error', () => resolve(true));
        }),
    );
    req.end(body.slice(10));
    const answered = await response;
    expect(answered.status, answered.body).toBe(201);
    expect(JSON.parse(answered.body)).toMatchObject({ path: 'shutdown' });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('"msg":"shutting down"');
  });

  it('SIGTERM with a request that never completes: the server exits after TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS, with code 1 and the reason', async () => {
    const server = await startServe({ ...instance.env, TOLLGATE_LOG_LEVEL: 'debug', TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    // A body announced and never sent: a stalled client, like a `git push` that hangs.
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('POST /api/v4/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na');
    await until(() => server.stdout().split('\n').some((line) => line.includes('"msg":"request received"') && line.includes('"path":"/api/v4/groups"')));
    const signalled = Date.now();
    server.process.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(server.stdout()).toContain('requests still in flight at the shutdown timeout; exiting');
    socket.destroy();
  });
});

describe('the configuration, checked before anything starts', () => {
  let instance: CliInstance;
  beforeAll(async () => {
    instance = await cliInstance('sqlite');
  });
  afterAll(() => instance.remove());

  it('`tollgate serve` with a bad setting exits non-zero with one line naming the variable, having touched nothing', async () => {
    expectOneLineError(
      await runCli(['serve'], { ...instance.env, TOLLGATE_LOG_LEVEL: 'loud' }),
      /^tollgate: TOLLGATE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/,
    );
    expectOneLineError(
      await runCli(['serve'], { ...instance.env, PORT: '80a', TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8,10.0.0.300' }),
      /^tollgate: PORT must be a port number from 0 to 65535, got "80a"; TOLLGATE_TRUSTED_PROXIES must be .*: "10\.0\.0\.300" is neither$/,
    );
    // Console commands read the same environment and refuse it the same way.
    expectOneLineError(await runCli(['migrate'], { ...instance.env, TOLLGATE_DATABASE_URL: 'mysql://u:hunter2@db/x' }), /^tollgate: TOLLGATE_DATABASE_URL must be .*, got "mysql:\/\/…"$/);
    expect(readdirSync(instance.dataDir)).toEqual([]);
  });
});
