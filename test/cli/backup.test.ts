import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Dialect } from '../../src/store/database.js';
import { POSTGRES_URL, TEST_DIALECTS } from '../support/databases.js';
import { cliInstance, expectOneLineError, runCli, startServe, type CliInstance, type CliResult } from './process.js';

/** Issue 14 item 7: `tollgate backup create|restore` on SQLite, pg_dump/pg_restore on PostgreSQL (docs/operator-guide.md#backups). */

const run = promisify(execFile);

async function rootToken(instance: CliInstance, env: Record<string, string> = instance.env): Promise<string> {
  const created = await runCli(['pat', 'create', '--user', 'root', '--name', 'admin', '--scopes', 'api'], env);
  expect(created.code, created.stderr).toBe(0);
  return created.stdout.trim();
}

/** Every file and directory under `dir`, with a digest of each file's bytes: what a refusal must leave as it was. */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const entries = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  return Object.fromEntries(
    entries.map((entry) => {
      const path = join(dir, entry);
      const stat = statSync(path);
      return [entry, stat.isDirectory() ? 'dir' : `${(stat.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`];
    }),
  );
}

/** A restored instance: the environment to start it with, and its database to look into. */
interface Restored {
  env: Record<string, string>;
  openDatabase(): Database;
  remove(): Promise<void>;
}

/** How an operator backs up a running instance of each database, and restores it elsewhere. */
interface BackupMethod {
  /** Resolves with a time (epoch ms) before the backup's snapshot began: every change committed before it must be in the backup. */
  take(source: CliInstance, dir: string): Promise<number>;
  restore(source: CliInstance, dir: string): Promise<Restored>;
}

const sqliteBackup: BackupMethod = {
  take: async (source, dir) => {
    const file = join(dir, 'backup.tar.gz');
    const created = await runCli(['backup', 'create', file], source.env);
    expect(created.code, created.stderr).toBe(0);
    // The manifest's created_at: taken right before the copy began, after the console had started.
    await tar.extract({ file, cwd: dir, filter: (path) => path === 'tollgate-backup.json' });
    return Date.parse((JSON.parse(readFileSync(join(dir, 'tollgate-backup.json'), 'utf8')) as { created_at: string }).created_at);
  },
  restore: async (_source, dir) => {
    const target = await cliInstance('sqlite');
    const restored = await runCli(['backup', 'restore', join(dir, 'backup.tar.gz')], target.env);
    expect(restored.code, restored.stderr).toBe(0);
    return target;
  },
};

/** pg_dump and pg_restore of the installed PostgreSQL (Debian keeps them in /usr/lib/postgresql/<version>/bin). */
function postgresTool(name: 'pg_dump' | 'pg_restore'): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((version) => join(root, version, 'bin', name)).find((path) => existsSync(path)) ?? name;
}

/** The schema a `cliInstance` gave the instance, from its URL's `options=-c search_path=…`. */
const schemaOf = (env: Record<string, string>) => /search_path=(\w+)/.exec(new URL(env.TOLLGATE_DATABASE_URL!).searchParams.get('options') ?? '')![1]!;

const postgresDump: BackupMethod = {
  take: async (source, dir) => {
    const began = Date.now();
    await run(postgresTool('pg_dump'), ['--format=custom', `--schema=${schemaOf(source.env)}`, `--file=${join(dir, 'tollgate.dump')}`, `--dbname=${POSTGRES_URL}`]);
    return began;
  },
  // Into a database of its own, as onto a new server; with the data directory's secret copied beside it.
  restore: async (source, dir) => {
    const database = `restore_${randomBytes(6).toString('hex')}`;
    const url = new URL(POSTGRES_URL!);
    url.pathname = `/${database}`;
    const admin = async (statement: string, on = POSTGRES_URL!) => {
      const client = new pg.Client({ connectionString: on });
      await client.connect();
      await client.query(statement).finally(() => client.end());
    };
    await admin(`create database ${database}`);
    // A dump of one schema leaves out the extensions, which live in public (docs/operator-guide.md#backups).
    await admin('create extension pg_trgm schema public', url.toString());
    await run(postgresTool('pg_restore'), ['--no-owner', `--dbname=${url}`, join(dir, 'tollgate.dump')]);
    const schema = schemaOf(source.env);
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-restored-'));
    copyFileSync(join(source.dataDir, 'secret'), join(dataDir, 'secret'));
    return {
      env: { ...source.env, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_DATABASE_URL: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}` },
      openDatabase: () => openDatabase({ url: url.toString(), searchPath: schema, poolSize: 2 }),
      remove: async () => {
        rmSync(dataDir, { recursive: true, force: true });
        await admin(`drop database ${database} with (force)`);
      },
    };
  },
};

const METHODS: Record<Dialect, BackupMethod> = { sqlite: sqliteBackup, postgres: postgresDump };

interface CreatedToken {
  id: number;
  token: string;
  sentAt: number;
  acknowledgedAt: number;
}

/**
 * Until `stop()` (or a failure), `workers` callers create root's tokens through the API one after
 * another, pausing a little between two: steady writes that leave the backup's process some of a
 * busy machine's CPU. Times are the wall clock's (epoch ms), to compare with the backup process's.
 */
function createTokensUntil(serverUrl: string, admin: string, rootId: number, stop: (created: CreatedToken[]) => boolean, workers = 2) {
  const created: CreatedToken[] = [];
  const failures: string[] = [];
  const done = Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; !stop(created) && failures.length === 0; n++) {
        const sentAt = Date.now();
        const res = await fetch(`${serverUrl}/api/v4/users/${rootId}/personal_access_tokens`, {
          method: 'POST',
          headers: { 'private-token': admin, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `load-${worker}-${n}`, scopes: ['read_api'] }),
        });
        const body = (await res.json()) as { id: number; token: string };
        if (res.status === 201) created.push({ id: body.id, token: body.token, sentAt, acknowledgedAt: Date.now() });
        else failures.push(`${res.status} ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }),
  );
  return { created, failures, done };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
};

describe.each(TEST_DIALECTS)('a backup taken while the server creates tokens (%s)', (dialect) => {
  const method = METHODS[dialect];
  let source: CliInstance;
  let restored: Restored | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-backups-'));
  beforeAll(async () => {
    source = await cliInstance(dialect);
  });
  afterAll(async () => {
    await restored?.remove();
    await source?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores into a new instance where every token acknowledged before its snapshot began authenticates, and none sent after it ended exists', async () => {
    const admin = await rootToken(source);
    const server = await startServe(source.env);
    let load: ReturnType<typeof createTokensUntil>;
    let snapshot = 0;
    let ended = Infinity;
    try {
      const rootId = ((await (await fetch(`${server.url}/api/v4/user`, { headers: { 'private-token': admin } })).json()) as { id: number }).id;
      // The load is one user creating tokens many times a second: past the per-user limit (60 a minute) it would answer 429.
      const unlimited = await fetch(`${server.url}/api/v4/application/settings`, {
        method: 'PUT',
        headers: { 'private-token': admin, 'content-type': 'application/json' },
        body: JSON.stringify({ token_creations_limit_per_minute: 0 }),
      });
      expect(unlimited.status).toBe(200);
      load = createTokensUntil(server.url, admin, rootId, (created) => created.some((t) => t.sentAt > ended));
      // Enough written first that the newest rows sit in SQLite's WAL, not yet in the database file.
      await until(() => load.created.length >= 30 || load.failures.length > 0);
      snapshot = await method.take(source, dir);
      ended = Date.now();
      await load.done;
    } finally {
      await server.stop();
    }
    expect(load.failures).toEqual([]);
    // Committed before the snapshot began (the answer came before it), so in the backup.
    const before = load.created.filter((t) => t.acknowledgedAt < snapshot);
    const during = load.created.filter((t) => t.acknowledgedAt >= snapshot && t.sentAt <= ended);
    const after = load.created.filter((t) => t.sentAt > ended);
    // The backup ran while tokens were being written.
    expect(during.length).toBeGreaterThan(0);

    restored = await method.restore(source, dir);
    const database = restored.openDatabase();
    const ids = new Set<number>();
    try {
      const rows = await database.db.selectFrom('personal_access_tokens').select('id').execute();
      for (const row of rows) ids.add(row.id);
    } finally {
      await database.close();
    }
    expect(before.filter((t) => !ids.has(t.id)).map((t) => t.id)).toEqual([]);
    expect(after.filter((t) => ids.has(t.id)).map((t) => t.id)).toEqual([]);

    const server2 = await startServe(restored.env);
    try {
      // Every token the backup holds, the admin's among them, authenticates as itself.
      const held = [...before, ...during.filter((t) => ids.has(t.id))];
      const answers = await Promise.all(
        held.map(async (t) => {
          const res = await fetch(`${server2.url}/api/v4/personal_access_tokens/self`, { headers: { 'private-token': t.token } });
          return res.status === 200 && ((await res.json()) as { id: number }).id === t.id;
        }),
      );
      expect(held.filter((_, i) => !answers[i]).map((t) => t.id)).toEqual([]);
      expect((await fetch(`${server2.url}/api/v4/user`, { headers: { 'private-token': admin } })).status).toBe(200);
    } finally {
      expect((await server2.stop()).code).toBe(0);
    }
  }, 90_000);
});

describe('tollgate backup create|restore (sqlite)', () => {
  let source: CliInstance;
  const others: CliInstance[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-backups-'));
  const archive = join(dir, 'backup.tar.gz');
  let created: CliResult;
  const fresh = async () => {
    const instance = await cliInstance('sqlite');
    others.push(instance);
    return instance;
  };
  beforeAll(async () => {
    source = await cliInstance('sqlite');
    await rootToken(source);
    // The registry's signing key and certificate, made as the first use of the registry makes them.
    const registry = await runCli(['registry', 'config'], { ...source.env, TOLLGATE_REGISTRY_URL: 'https://registry.example.com' });
    expect(registry.code, registry.stderr).toBe(0);
    const repository = join(source.dataDir, 'repositories', 'group', 'project.git');
    mkdirSync(repository, { recursive: true });
    await run('git', ['init', '--bare', '--quiet', repository]);
    created = await runCli(['backup', 'create', archive], source.env);
  }, 60_000);
  afterAll(async () => {
    for (const instance of [source, ...others]) await instance?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create writes one archive of mode 0600 whose secrets are named SECRET-, and warns that it holds the secret', async () => {
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^WARNING: this file holds the instance secret/m);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const entries: string[] = [];
    await tar.list({ file: archive, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries.filter((entry) => !entry.startsWith('repositories/'))).toEqual([
      'tollgate-backup.json',
      'tollgate.sqlite3',
      'SECRET-instance-secret',
      'SECRET-registry-signing-key.pem',
      'registry-signing-cert.pem',
    ]);
    expect(entries).toContain('repositories/group/project.git/HEAD');
    // Never over an existing file.
    expectOneLineError(await runCli(['backup', 'create', archive], source.env), /^tollgate: .*backup\.tar\.gz exists: choose another file name$/);
  });

  it('restore puts the secret, the signing key, its certificate and the repositories back as they were', async () => {
    const target = await fresh();
    const restored = await runCli(['backup', 'restore', archive], target.env);
    expect(restored.code, restored.stderr).toBe(0);
    // The database is a copy, not the file (see the test under load); the first start's root password is not carried.
    const kept = (files: Record<string, string>) =>
      Object.fromEntries(Object.entries(files).filter(([path]) => !path.startsWith('tollgate.sqlite3') && path !== 'initial_root_password'));
    expect(kept(tree(target.dataDir))).toEqual(kept(tree(source.dataDir)));
    expect(statSync(join(target.dataDir, 'secret')).mode & 0o777).toBe(0o600);
  });

  it('restore refuses a data directory that holds a database or a secret, or a file that is no backup, and changes nothing', async () => {
    const withSecret = await fresh();
    writeFileSync(join(withSecret.dataDir, 'secret'), 'another instance\n', { mode: 0o600 });
    for (const target of [source, withSecret]) {
      const before = tree(target.dataDir);
      expectOneLineError(await runCli(['backup', 'restore', archive], target.env), /^tollgate: the data directory is not empty: .*secret.* already exist/);
      expect(tree(target.dataDir)).toEqual(before);
    }
    const empty = await fresh();
    const notBackup = join(dir, 'not-a-backup.tar.gz');
    writeFileSync(notBackup, 'hello');
    expectOneLineError(await runCli(['backup', 'restore', notBackup], empty.env), /^tollgate: .*not-a-backup\.tar\.gz is not a Tollgate backup/);
    expect(tree(empty.dataDir)).toEqual({});
  });

  it('with TOLLGATE_SECRET the archive holds no secret and says so; restore needs that same secret', async () => {
    const secret = randomBytes(24).toString('hex');
    const outside = await fresh();
    const env = { ...outside.env, TOLLGATE_SECRET: secret };
    await rootToken(outside, env);
    const file = join(dir, 'outside.tar.gz');
    const result = await runCli(['backup', 'create', file], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/secret is configured outside .*TOLLGATE_SECRET.* not included/);
    expect(result.stdout + result.stderr).not.toContain(secret);
    const entries: string[] = [];
    await tar.list({ file, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries.filter((entry) => entry.startsWith('SECRET-instance-secret'))).toEqual([]);

    const target = await fresh();
    expectOneLineError(await runCli(['backup', 'restore', file], target.env), /does not hold the instance secret .*set TOLLGATE_SECRET/);
    expectOneLineError(await runCli(['backup', 'restore', file], { ...target.env, TOLLGATE_SECRET: 'another secret' }), /instance secret differs/);
    expect(tree(target.dataDir)).toEqual({});
    // The restore checked the secret against the database: the instance starts and its tokens authenticate.
    const restored = await runCli(['backup', 'restore', file], { ...target.env, TOLLGATE_SECRET: secret });
    expect(restored.code, restored.stderr).toBe(0);
    expect(Object.keys(tree(target.dataDir))).toEqual(['tollgate.sqlite3']);
  });
});

describe.each(TEST_DIALECTS.filter((dialect) => dialect === 'postgres'))('tollgate backup create (%s)', (dialect) => {
  it('refuses and points at pg_dump, writing nothing', async () => {
    const instance = await cliInstance(dialect);
    try {
      const file = join(instance.dataDir, 'backup.tar.gz');
      expectOneLineError(await runCli(['backup', 'create', file], instance.env), /^tollgate: this instance uses PostgreSQL: back up its database with pg_dump/);
      expect(existsSync(file)).toBe(false);
    } finally {
      await instance.remove();
    }
  });
});
