import { join } from 'node:path';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliInstance, runCli, startServe, type CliInstance, type RunningServer } from '../cli/process.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { gitClientEnv, runGit, scratchDir } from '../support/git-factories.js';
import {
  auditViolations,
  authenticationViolations,
  botViolations,
  outboxViolations,
  pendingLeakReports,
  pushViolations,
  readStored,
  rotationViolations,
} from './invariants.js';
import { MixedLoad, type Fixture, type TrackedToken } from './mixed-load.js';

/**
 * Issue 14, item 5: a real `tollgate serve` is SIGKILLed at seeded random moments under mixed
 * load (token creations, rotations, revocations, leak reports, git pushes) and restarted on the
 * same data; nothing it acknowledged may be lost or half done. TOLLGATE_CRASH_SEED replays a run.
 */
const SEED = Number(process.env.TOLLGATE_CRASH_SEED ?? 20260714);
const KILLS = 3;
const LANES = 3;

async function api(baseUrl: string, token: string, method: string, path: string, body: object): Promise<any> {
  const res = await fetch(`${baseUrl}/api/v4${path}`, { method, headers: { 'private-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** A user for personal tokens, a group with a project to push to, its push token, and a local repository. */
async function prepareFixture(baseUrl: string, rootToken: string, home: string): Promise<Fixture> {
  // Root makes every token of the load, more than a minute's allowance of the per-user creation
  // limit: that limit has suites of its own, here it would only turn acknowledgements into 429s.
  await api(baseUrl, rootToken, 'PUT', '/application/settings', { token_creations_limit_per_minute: 0 });
  const user = await api(baseUrl, rootToken, 'POST', '/users', { username: 'crash-user', email: 'crash-user@example.com', name: 'Crash User' });
  const group = await api(baseUrl, rootToken, 'POST', '/groups', { name: 'crash', path: 'crash' });
  await api(baseUrl, rootToken, 'POST', '/projects', { name: 'load', path: 'load', namespace_id: String(group.id) });
  const push = await api(baseUrl, rootToken, 'POST', `/groups/${group.id}/access_tokens`, { name: 'crash-push', scopes: ['write_repository', 'read_api'], access_level: 30 });
  const pushToken: TrackedToken = { id: push.id, kind: 'group', name: 'crash-push', value: push.token, state: 'active', busy: false, pinned: true };
  const gitEnv = gitClientEnv(home);
  const workTree = join(home, 'work');
  for (const args of [['init', '-q', '-b', 'main', workTree], ['-C', workTree, 'commit', '-q', '--allow-empty', '-m', 'start']]) {
    const result = await runGit(args, { env: gitEnv });
    if (result.code !== 0) throw new Error(`git ${args[0]}: ${result.stderr}`);
  }
  return { rootToken, groupId: group.id, userId: user.id, repository: 'crash/load.git', pushToken, workTree, gitEnv };
}

describe.each(TEST_DIALECTS)('tollgate serve SIGKILLed under mixed load, restarted on the same data (%s)', (dialect) => {
  let instance: CliInstance;
  let server: RunningServer | undefined;
  let load: MixedLoad | undefined;
  const home = scratchDir('tollgate-crash-');

  beforeAll(async () => {
    instance = await cliInstance(dialect);
  });
  afterAll(async () => {
    // A failed test leaves the load running: stop it before the server goes.
    await load?.stop().catch(() => {});
    server?.process.kill('SIGKILL');
    await server?.exited;
    await instance?.remove();
    home.remove();
  });

  it(`${KILLS} kills at seeded random moments (seed ${SEED}): every acknowledged change survives whole`, async () => {
    const created = await runCli(['pat', 'create', '--user', 'root', '--name', 'crash-load', '--scopes', 'api'], instance.env);
    expect(created.code, created.stderr).toBe(0);
    server = await startServe(instance.env);
    const fixture = await prepareFixture(server.url, created.stdout.trim(), home.path);

    const killer = xoroshiro128plus(SEED);
    const lanes = Array.from({ length: LANES }, () => {
      killer.jump();
      return killer.clone();
    });
    load = new MixedLoad(fixture, server.url);
    load.start(lanes);
    for (let kill = 1; kill <= KILLS; kill++) {
      // Tens of API calls and a push between kills whatever the machine's speed, then a few
      // milliseconds more, so that the kill falls somewhere inside the calls in flight.
      const calls = load.started + uniformInt(killer, 20, 50);
      const pushes = load.ledger.pushes.length + 1;
      await vi.waitFor(
        () => {
          load!.throwIfFailed();
          expect(load!.started).toBeGreaterThanOrEqual(calls);
          expect(load!.ledger.pushes.length).toBeGreaterThanOrEqual(pushes);
        },
        { timeout: 30_000, interval: 5 },
      );
      await new Promise((r) => setTimeout(r, uniformInt(killer, 0, 30)));
      server.process.kill('SIGKILL');
      load.pause();
      expect((await server.exited).signal).toBe('SIGKILL');
      server = await startServe(instance.env);
      load.resume(server.url);
    }
    await load.stop();
    const { ledger } = load;

    const database = instance.openDatabase();
    try {
      // Acknowledged leak reports are revoked by the restarted server's job, within seconds.
      await vi.waitFor(async () => expect(await pendingLeakReports(database)).toBe(0), { timeout: 15_000, interval: 200 });
      // Soft: a failure shows every broken invariant at once.
      expect.soft(ledger.refusals, 'answers other than 2xx under load').toEqual([]);
      expect.soft(await authenticationViolations(server.url, ledger), 'authentication').toEqual([]);
      const stored = await readStored(database);
      expect.soft(auditViolations(stored, ledger), 'audit events').toEqual([]);
      expect.soft(rotationViolations(stored), 'rotation families').toEqual([]);
      expect.soft(botViolations(stored, ledger, fixture), 'bots').toEqual([]);
      // Root created the group, so it is its Owner: the one recipient of a group token's notice.
      const emailOf = (username: string) => stored.users.find((u) => u.username === username)!.email;
      expect.soft(outboxViolations(stored, ledger, { group: emailOf('root'), personal: emailOf('crash-user') }), 'mail outbox').toEqual([]);
      expect.soft(await pushViolations(join(instance.dataDir, 'repositories', fixture.repository), ledger, fixture.gitEnv), 'pushes').toEqual([]);
    } finally {
      await database.close();
    }

    // The run proved something only if every kind of change was acknowledged, and kills cut calls short.
    const tokens = [...ledger.tokens.values()];
    expect({
      created: tokens.length > 10,
      rotated: ledger.rotations.length > 0,
      revoked: ledger.revocations.length > 0,
      reported: ledger.leakReports.length > 0,
      pushed: ledger.pushes.length > 0,
      cutShort: ledger.lost > 0,
    }).toEqual({ created: true, rotated: true, revoked: true, reported: true, pushed: true, cutShort: true });
    expect((await server.stop()).code).toBe(0);
  }, 120_000);
});
