import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { FixedClock } from '../../src/domain/clock.js';
import { buildApp } from '../../src/http/app.js';
import { SESSION_COOKIE } from '../../src/http/plugins/auth.js';
import type { App } from '../../src/http/types.js';
import { bootstrapInstance } from '../../src/services/bootstrap.js';
import { MIN_PASSWORD_HASH_COST } from '../../src/services/passwords.js';
import { closeServiceContext, openServiceContext, type ServiceContext } from '../../src/services/context.js';
import { openDatabase, type Dialect } from '../../src/store/database.js';
import { findUserByUsername } from '../../src/store/repositories/users.js';
import type { UserRow } from '../../src/store/schema.js';
import { openTestDatabase, type TestDatabase } from './databases.js';
import { collectingLogger, collectStored, noteSecret, watchExchanges } from './leak-collector/index.js';

export const TEST_EXTERNAL_URL = 'http://tollgate.test';
export const TEST_SECRET = 'test-secret-for-token-digests';
export const TEST_ROOT_PASSWORD = 'root-password-1234';

export interface Harness {
  dialect: Dialect;
  ctx: ServiceContext;
  app: App;
  clock: FixedClock;
  testDatabase: TestDatabase;
  root: UserRow;
  close(): Promise<void>;
}

function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: '/nonexistent-tollgate-data',
    databaseUrl: ':memory:',
    externalUrl: TEST_EXTERNAL_URL,
    smtpUrl: null,
    secret: TEST_SECRET,
    initialRootPassword: TEST_ROOT_PASSWORD,
    logLevel: 'silent',
    trustedProxies: [],
    metricsToken: null,
    registryUrl: null,
    registryIssuer: 'tollgate',
    shutdownTimeoutSeconds: 30,
    // Every harness hashes root's password; production's 2^17 would cost a second each time.
    passwordHashCost: MIN_PASSWORD_HASH_COST,
    ...overrides,
  };
}

/** A migrated database, a bootstrapped instance (root, ghost) and the app, on a fixed clock. */
export async function createHarness(dialect: Dialect, options: { now?: string; config?: Partial<Config> } = {}): Promise<Harness> {
  const testDatabase = await openTestDatabase(dialect);
  // A data directory of its own (git repositories, mail drop), removed with the harness.
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-data-'));
  const clock = new FixedClock(new Date(options.now ?? '2026-06-15T12:00:00.000Z'));
  const { database } = testDatabase;
  const ctx = await openServiceContext({
    database,
    clock,
    config: testConfig({ databaseUrl: testDatabase.url, dataDir, ...options.config }),
    secret: Buffer.from(TEST_SECRET),
  });
  await bootstrapInstance(ctx);
  // The suite's leak check (issue 14): what this instance logs and answers, and the secrets it is given.
  noteSecret('password', ctx.config.initialRootPassword);
  noteSecret('instance secret', TEST_SECRET);
  const app = await buildApp({ ctx, logger: collectingLogger(`harness (${dialect})`) });
  watchExchanges(app);
  await app.ready();
  const root = (await findUserByUsername(database.db, 'root'))!;
  return {
    dialect,
    ctx,
    app,
    clock,
    testDatabase,
    root,
    close: async () => {
      await app.close();
      await closeServiceContext(ctx);
      await collectStored(database, dataDir, `harness (${dialect})`);
      await testDatabase.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second instance of the same deployment: its own connections (pool, reader, notification
 * listener) and cache on the harness's database, sharing its clock, configuration and secret.
 */
export async function openSecondInstance(h: Harness): Promise<{ ctx: ServiceContext; close(): Promise<void> }> {
  const { url, searchPath } = h.testDatabase;
  const database = openDatabase(h.dialect === 'sqlite' ? { url } : { url, searchPath: searchPath!, poolSize: 5 });
  const ctx = await openServiceContext({ ...h.ctx, database });
  return {
    ctx,
    close: async () => {
      await closeServiceContext(ctx);
      await database.close();
    },
  };
}

export type Response = LightMyRequestResponse & { json<T = any>(): T };

/** Requests as a token holder would make them (PRIVATE-TOKEN header), or anonymously. */
export function client(h: Harness, token?: string) {
  const send = (method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method,
      url,
      headers: { ...(token ? { 'private-token': token } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
    }) as Promise<Response>;
  return {
    get: (url: string, headers?: Record<string, string>) => send('GET', url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => send('POST', url, body ?? {}, headers),
    put: (url: string, body?: unknown, headers?: Record<string, string>) => send('PUT', url, body ?? {}, headers),
    delete: (url: string, headers?: Record<string, string>) => send('DELETE', url, undefined, headers),
  };
}

/** Signs in with a password (POST /session): the session cookie's value and the session's CSRF token. */
export async function signInBrowser(h: Harness, login: string, password: string): Promise<{ cookie: string; csrfToken: string }> {
  const signIn = (await h.app.inject({ method: 'POST', url: '/api/v4/session', payload: { login, password } })) as Response;
  const cookie = signIn.cookies.find((c) => c.name === SESSION_COOKIE);
  if (signIn.statusCode !== 201 || !cookie) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);
  return { cookie: cookie.value, csrfToken: (signIn.json() as { csrf_token: string }).csrf_token };
}

/**
 * Requests as the web UI makes them: signs in with a password (POST /session), then sends the
 * session cookie and the CSRF header. Same shape as client().
 */
export async function browserClient(h: Harness, login: string, password: string) {
  const { cookie, csrfToken } = await signInBrowser(h, login, password);
  const send = (method: InjectOptions['method'], url: string, body?: unknown) =>
    h.app.inject({
      method,
      url,
      cookies: { [SESSION_COOKIE]: cookie },
      headers: { 'x-csrf-token': csrfToken },
      ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
    }) as Promise<Response>;
  return {
    get: (url: string) => send('GET', url),
    post: (url: string, body?: unknown) => send('POST', url, body ?? {}),
    put: (url: string, body?: unknown) => send('PUT', url, body ?? {}),
    delete: (url: string) => send('DELETE', url),
  };
}
