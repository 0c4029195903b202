import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { cliInstance, runCli, startServe, type CliInstance, type RunningServer } from './process.js';

/** A request on a connection of its own: the cluster hands each new connection to the next worker. */
function freshRequest(url: string, token: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { 'private-token': token } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error('timed out');
};

/** Issue 11: `tollgate serve --workers N`, N processes on one port, one service. */
describe.each(TEST_DIALECTS)('serve --workers 2 (%s)', (dialect) => {
  let instance: CliInstance;
  let server: RunningServer;
  let admin: string;
  beforeAll(async () => {
    instance = await cliInstance(dialect);
    admin = (await runCli(['pat', 'create', '--user', 'root', '--name', 'admin', '--scopes', 'api'], instance.env)).stdout.trim();
    server = await startServe(instance.env, ['--workers', '2']);
    await until(() => (server.stdout().match(/Server listening at/g) ?? []).length >= 2);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await instance.remove();
  });

  /** The pids of the workers that logged a completed request for this path. */
  const workersThatServed = (path: string) =>
    new Set(
      server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"msg":"request completed"') && line.includes(`"path":"${path}"`))
        .map((line) => (JSON.parse(line) as { pid: number }).pid),
    );

  it('a token cached in every worker is refused by every worker right after a revocation through any of them', async () => {
    const victim = (await runCli(['pat', 'create', '--user', 'root', '--name', 'victim', '--scopes', 'read_api'], instance.env)).stdout.trim();
    const self = await (await fetch(`${server.url}/api/v4/personal_access_tokens/self`, { headers: { 'private-token': victim } })).json();
    const warm = await Promise.all(Array.from({ length: 16 }, () => freshRequest(`${server.url}/api/v4/version`, victim)));
    expect(warm.every((status) => status === 200)).toBe(true);
    // Both workers served it, so both have it cached (their log lines arrive within a second).
    await until(() => workersThatServed('/api/v4/version').size === 2);

    expect(await freshRequest(`${server.url}/api/v4/personal_access_tokens/${self.id}`, admin, 'DELETE')).toBe(204);
    // SQLite: the very next request, in any worker (each reads the file's data_version once a
    // turn of its event loop, so a request sent after the change sees it). PostgreSQL: once NOTIFY has arrived; its 100 ms bound is shown in
    // src/services/token-cache.test.ts, since 16 requests to a busy CI machine can take longer
    // than that by themselves.
    const refusedEverywhere = async () => {
      const after = await Promise.all(Array.from({ length: 16 }, () => freshRequest(`${server.url}/api/v4/version`, victim)));
      expect(after).toEqual(Array(16).fill(401));
    };
    if (dialect === 'sqlite') await refusedEverywhere();
    else await vi.waitFor(refusedEverywhere, { timeout: 5_000, interval: 20 });
  });

  it('SIGTERM to the primary stops every worker, and the primary exits 0', async () => {
    const stopped = await server.stop();
    expect(stopped).toEqual({ code: 0, signal: null });
    expect((server.stdout().match(/"msg":"shutting down"/g) ?? []).length).toBe(3);
  });
});

/** Whether a process of this pid still exists (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('serve --workers 2, the primary killed', () => {
  it('SIGKILL to the primary leaves no worker behind: node cluster ends a worker whose primary is gone, and the port is free', async () => {
    const instance = await cliInstance('sqlite');
    try {
      const server = await startServe(instance.env, ['--workers', '2']);
      await until(() => (server.stdout().match(/Server listening at/g) ?? []).length >= 2);
      const workers = server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"msg":"Server listening at'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid);
      expect(workers).toHaveLength(2);
      expect(workers).not.toContain(server.process.pid);
      expect(workers.every(alive)).toBe(true);

      server.process.kill('SIGKILL');
      expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await until(() => !workers.some(alive));
      expect(await fetch(`${server.url}/-/health`).then(() => 'answered', () => 'refused')).toBe('refused');
    } finally {
      await instance.remove();
    }
  }, 60_000);
});
