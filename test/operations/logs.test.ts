import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { cliInstance, runCli, startServe, type CliInstance, type RunningServer } from '../cli/process.js';

/**
 * The built server, as operators run it, with JSON logs: every way a token can travel is tried,
 * and no token value (nor a password) may reach stdout or stderr, while every request id does.
 */
describe.each(TEST_DIALECTS)('JSON logs carry the request id and never a token value (%s)', (dialect) => {
  let instance: CliInstance;
  let server: RunningServer;
  let token: string;
  const secrets: string[] = [];
  const requestIds: string[] = [];
  beforeAll(async () => {
    instance = await cliInstance(dialect);
    token = (await runCli(['pat', 'create', '--user', 'root', '--name', 'logs', '--scopes', 'api'], instance.env)).stdout.trim();
    expect(token).toMatch(/^glpat-/);
    secrets.push(token);
    server = await startServe({ ...instance.env, TOLLGATE_LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    if (server) await server.stop();
    await instance?.remove();
  });

  async function send(requestId: string, path: string, init: RequestInit = {}) {
    requestIds.push(requestId);
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { 'x-request-id': requestId, ...(init.headers as Record<string, string>) } });
    expect(res.headers.get('x-request-id')).toBe(requestId);
    return res;
  }
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', 'private-token': token }, body: JSON.stringify(body) });

  it('a token in PRIVATE-TOKEN, Authorization: Bearer, ?private_token=, ?access_token=, a JSON or form body field', async () => {
    expect((await send('req-header', '/api/v4/user', { headers: { 'PRIVATE-TOKEN': token } })).status).toBe(200);
    expect((await send('req-bearer', '/api/v4/user', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await send('req-query', `/api/v4/user?private_token=${encodeURIComponent(token)}&per_page=5`)).status).toBe(200);
    expect((await send('req-access-token', `/api/v4/users?access_token=${encodeURIComponent(token)}`)).status).toBe(200);
    const viaJson = await send('req-json-body', '/api/v4/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Logged', path: 'logged', private_token: token }),
    });
    expect(viaJson.status).toBe(201);
    const viaForm = await send('req-form-body', '/api/v4/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Form', path: 'form', private_token: token }).toString(),
    });
    expect(viaForm.status).toBe(201);
  });

  it('requests that fail: a malformed body around the token, a bad URL, an unknown token', async () => {
    const malformed = await send('req-malformed', '/api/v4/groups', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"private_token":"${token}"` });
    expect(malformed.status).toBe(400);
    // The router refuses a URL it cannot decode before any hook runs (no request id on it).
    const badUrl = await fetch(`${server.url}/api/v4/groups/%?private_token=${encodeURIComponent(token)}`);
    expect(badUrl.status).toBe(400);
    const forged = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    secrets.push(forged);
    expect((await send('req-unknown', '/api/v4/user', { headers: { 'PRIVATE-TOKEN': forged } })).status).toBe(401);
  });

  it('tokens and passwords that travel in bodies: a new user\'s password, a created token, a rotated one', async () => {
    const password = 'never-log-this-password';
    secrets.push(password);
    const user = await (await send('req-user', '/api/v4/users', json({ username: 'logged_user', email: 'logged@example.com', name: 'Logged', password }))).json();
    const created = await (await send('req-pat', `/api/v4/users/${user.id}/personal_access_tokens`, json({ name: 'new', scopes: ['api'] }))).json();
    secrets.push(created.token);
    const rotated = await (
      await send('req-rotate', '/api/v4/personal_access_tokens/self/rotate', { method: 'POST', headers: { 'private-token': created.token } })
    ).json();
    expect(rotated.token).toMatch(/^glpat-/);
    secrets.push(rotated.token);
  });

  it('after a graceful stop, the logs hold every request id and none of the secrets', async () => {
    expect((await server.stop()).code).toBe(0);
    const output = server.stdout() + server.stderr();
    for (const secret of secrets) expect(output.includes(secret), `a secret of ${secret.length} characters is in the logs`).toBe(false);
    const lines = server.stdout().trim().split('\n').filter((line) => line.startsWith('{'));
    const entries = lines.map((line) => JSON.parse(line) as { reqId?: string; path?: string; msg?: string });
    for (const id of requestIds) expect(entries.some((entry) => entry.reqId === id), id).toBe(true);
    // At info, one line per request (issue 11), its query string with the secrets masked, the rest kept.
    const queryLines = entries.filter((entry) => entry.reqId === 'req-query');
    expect(queryLines).toHaveLength(1);
    expect(queryLines[0]).toMatchObject({ msg: 'request completed', path: '/api/v4/user?private_token=%5BREDACTED%5D&per_page=5', status: 200 });
  });
});
