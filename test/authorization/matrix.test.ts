import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/plugins/auth.js';
import type { Dialect } from '../../src/store/database.js';
import { registryKeyPath } from '../../src/store/registry-signing-key.js';
import { recordDeclaredRoutes } from '../support/declared-routes.js';
import { createHarness, type Harness, type Response } from '../support/harness.js';
import { matches, routeOfRow, ROUTES, summarize, type Row, type RouteRequest } from './routes.js';
import { buildWorld, CALLERS, type Credential, type World } from './world.js';

/**
 * Issue 14, item 3: who gets what from every route. The table (routes.ts) states, for each route
 * the app registers, the answer of every caller (world.ts); this runner asks each route as each
 * caller and compares. A route the app registers without rows in the table fails the suite, and
 * so does a row for a route the app no longer has.
 */

/**
 * `METHOD /route` as the table writes it: parameter constraints dropped, and the routes registered
 * once per depth of a group path (`/:p0/:p1/…/info/refs`, the project pages) as one `/<path>/…`.
 */
function routeKey(method: string, url: string): string {
  let plain = '';
  let depth = 0;
  for (const char of url) {
    if (char === '(') depth += 1;
    if (depth === 0) plain += char;
    if (char === ')') depth -= 1;
  }
  return `${method} ${plain.replace(/(\/:p\d+)+/g, '/<path>')}`;
}

/** Every caller comes from an address of its own, so that no failed-authentication ban or throttle of one request spills into another's answer. */
let requests = 0;
const nextAddress = () => {
  requests += 1;
  return `10.${(requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`;
};

function send(h: Harness, method: string, request: RouteRequest, credential: Credential, present: Row['present']): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers };
  const cookies: Record<string, string> = {};
  if (credential.kind === 'token') {
    if (present === 'basic') headers.authorization = `Basic ${Buffer.from(`matrix:${credential.token}`).toString('base64')}`;
    else headers['private-token'] = credential.token;
  }
  if (credential.kind === 'session') {
    cookies[SESSION_COOKIE] = credential.cookie;
    if (credential.csrfToken) headers['x-csrf-token'] = credential.csrfToken;
  }
  return h.app.inject({
    method: method as InjectOptions['method'],
    url: request.url,
    headers,
    cookies,
    remoteAddress: nextAddress(),
    ...(request.payload === undefined ? {} : { payload: request.payload as InjectOptions['payload'] }),
  }) as Promise<Response>;
}

const statusOf = (answer: string) => answer.split(' ')[0]!;

/**
 * A data directory with the registry's signing key already in it: the 4096-bit key Tollgate makes
 * on its first start can take longer than Fastify lets a plugin start on a busy machine, and the
 * key's size is not what this suite is about.
 */
function dataDirWithSigningKey(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-matrix-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(registryKeyPath(dataDir), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return dataDir;
}

/**
 * SQLite only: who may do what is decided in src/domain over memberships the store loads, and the
 * store's queries run on both databases in their own suites; on PostgreSQL the matrix took about
 * 50 s more on this 2-core machine, beyond the budget of a suite.
 */
const MATRIX_DIALECTS: Dialect[] = ['sqlite'];

describe.each(MATRIX_DIALECTS)('authorization matrix (%s)', (dialect) => {
  let h: Harness;
  let w: World;
  let dataDir: string;
  const registered = new Set<string>();

  beforeAll(async () => {
    dataDir = dataDirWithSigningKey();
    const recording = recordDeclaredRoutes();
    try {
      h = await createHarness(dialect, { config: { registryUrl: 'http://registry.tollgate.test', dataDir } });
    } finally {
      recording.stop();
    }
    for (const route of recording.routes()) for (const method of [route.method].flat()) registered.add(routeKey(method, route.url));
    w = await buildWorld(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('has rows for every route the app registers, and only for those', () => {
    // A HEAD route Fastify adds beside a GET is asked with the GET's row.
    const asked = new Set(Object.keys(ROUTES).map(routeOfRow));
    const covered = (key: string) => asked.has(key) || (key.startsWith('HEAD ') && asked.has(`GET ${key.slice(5)}`));
    const withoutRows = [...registered].filter((key) => !covered(key)).sort();
    const stale = [...asked].filter((key) => !registered.has(key)).sort();
    expect.soft(withoutRows, 'routes the app registers without rows in test/authorization/routes.ts').toEqual([]);
    expect.soft(stale, 'rows for routes the app does not register').toEqual([]);
  });

  for (const [key, row] of Object.entries(ROUTES)) {
    const [method, route] = routeOfRow(key).split(' ') as [string, string];
    it(key, async () => {
      const asHead = method === 'HEAD';
      const withHead = method === 'GET' && registered.has(`HEAD ${route}`);
      const expected = Object.fromEntries(CALLERS.map((caller) => [caller, asHead ? statusOf(row.expect[caller]) : row.expect[caller]]));
      const answers: Record<string, string> = {};
      const heads: Record<string, string> = {};
      // The callers side by side: each has its own credential, target and address.
      await Promise.all(
        CALLERS.map(async (caller) => {
          const credential = await w.credential(caller, row.consumes);
          const response = await send(h, method, await row.request(w), credential, row.present);
          const summary = summarize(response);
          const answer = row.detail && response.statusCode < 300 ? `${summary} ${row.detail(response, w)}` : summary;
          // A match keeps the expected text, so that a failure's diff shows only the callers that differ.
          answers[caller] = matches(expected[caller]!, answer) ? expected[caller]! : answer;
          if (withHead) heads[caller] = String((await send(h, 'HEAD', await row.request(w), credential, row.present)).statusCode);
        }),
      );
      expect(answers, key).toEqual(expected);
      if (withHead) expect(heads, `HEAD answers as ${key} does`).toEqual(Object.fromEntries(CALLERS.map((caller) => [caller, statusOf(expected[caller]!)])));
    });
  }
});
