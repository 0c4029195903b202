import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { MIN_PASSWORD_HASH_COST } from '../../src/services/passwords.js';
import { openDatabase, type Database, type Dialect } from '../../src/store/database.js';
import { POSTGRES_URL } from '../support/databases.js';
import { freePort } from '../support/server.js';
import { collecting, collectStored, noteSink } from '../support/leak-collector/index.js';

/** The built console (`npm test` builds it first: `node scripts/build-server.mjs`). */
const BIN = resolve('bin/tollgate.js');

/** The environment of a fresh Tollgate instance: its own data directory and, on PostgreSQL, its own schema. */
export interface CliInstance {
  env: Record<string, string>;
  dataDir: string;
  /** A connection to the instance's database, for the test to look at what the console did. */
  openDatabase(): Database;
  remove(): Promise<void>;
}

/** The test runner's environment without any TOLLGATE_* setting that would leak into the child. */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TOLLGATE_')));
}

/** The suite's leak check (issue 14): what the instance's processes stored for others to read. */
async function collectInstance(open: () => Database, dataDir: string): Promise<void> {
  if (!collecting()) return;
  const database = open();
  try {
    await collectStored(database, dataDir, `console instance ${dataDir}`);
  } finally {
    await database.close();
  }
}

export async function cliInstance(dialect: Dialect): Promise<CliInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  // Every first start hashes root's password: at production's cost that is a second per instance.
  const env: Record<string, string> = { ...baseEnv(), TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PASSWORD_HASH_COST: String(MIN_PASSWORD_HASH_COST) };
  if (dialect === 'sqlite') {
    const openSqlite = () => openDatabase({ url: join(dataDir, 'tollgate.sqlite3') });
    return {
      env,
      dataDir,
      openDatabase: openSqlite,
      remove: async () => {
        await collectInstance(openSqlite, dataDir);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!POSTGRES_URL) throw new Error('no PostgreSQL for this run');
  const schema = `cli_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  // The operator's way to give an instance a schema of its own: libpq's `options` in the URL.
  const separator = POSTGRES_URL.includes('?') ? '&' : '?';
  env.TOLLGATE_DATABASE_URL = `${POSTGRES_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const openPostgres = () => openDatabase({ url: POSTGRES_URL!, searchPath: schema, poolSize: 2 });
  return {
    env,
    dataDir,
    openDatabase: openPostgres,
    remove: async () => {
      await collectInstance(openPostgres, dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL! });
      await cleanup.connect();
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.end();
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A console failure: exit code non-zero, nothing on stdout and exactly one line on stderr. */
export function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

/** Runs `tollgate <args>` to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Generous: a start takes 2 s on a quiet 2-core machine, but over 20 s was seen with the whole suite running.
const READY_TIMEOUT_MS = 60_000;

/** `tollgate serve [args]` on a free port, resolved once /-/readiness answers 200 (or rejected if it exits first). */
/** Servers still running: a test that timed out never stopped its own, and they would outlive the run. */
const runningServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of runningServers) child.kill('SIGKILL');
});

export async function startServe(env: Record<string, string>, args: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  runningServers.add(child);
  child.once('exit', () => runningServers.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The suite's leak check: its log lines (JSON); other lines on stdout are the console's own
  // messages to the operator (the generated root password on a first start).
  noteSink('log', `tollgate serve ${url}`, () => stdout.split('\n').filter((line) => line.startsWith('{')).join('\n'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (gone) throw new Error(`tollgate serve exited before it was ready:\n${stderr}\n${stdout}`);
    const ready = await fetch(`${url}/-/readiness`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tollgate serve was not ready in time:\n${stderr}\n${stdout}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
