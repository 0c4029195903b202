import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { createHarness, TEST_ROOT_PASSWORD, type Harness } from '../../../test/support/harness.js';
import { buildApp, loggerOptions } from '../app.js';
import { writeInfoLine } from './request-log.js';
import type { App } from '../types.js';

type LogLine = Record<string, any>;

/** The app as `tollgate serve` builds it, its log lines kept in memory. */
async function appLoggingAt(h: Harness, level: string): Promise<{ app: App; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const stream = { write: (text: string) => void lines.push(JSON.parse(text) as LogLine) };
  const app = await buildApp({ ctx: h.ctx, logger: { ...loggerOptions(level), stream } });
  // A bug behind a 500, to see that it is still logged beside the request line.
  app.get('/test/bug', { config: { auth: 'none' } }, async () => {
    throw new Error('a bug');
  });
  await app.ready();
  return { app, lines };
}

/** The lines written for one request: those carrying its id. */
const linesOf = (lines: LogLine[], requestId: unknown) => lines.filter((line) => line.reqId === requestId);
/** The one line of a completed request (at debug a "request received" line comes first). */
const completedLineOf = (lines: LogLine[], requestId: unknown) => linesOf(lines, requestId).find((line) => line.msg === 'request completed');

describe('request log', () => {
  let h: Harness;
  let userId: number;
  let token: string;
  let tokenId: number;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    const user = await makeUser(h);
    userId = user.id;
    ({ token, id: tokenId } = await makePat(h, user));
  });
  afterAll(() => h.close());

  describe('at info', () => {
    let app: App;
    let lines: LogLine[];
    beforeAll(async () => ({ app, lines } = await appLoggingAt(h, 'info')));
    afterAll(() => app.close());
    beforeEach(() => void lines.splice(0));

    it('writes one line per request: route pattern, path, status, duration, caller, IP, no headers', async () => {
      const res = await app.inject({ method: 'GET', url: `/api/v4/users/${userId}`, headers: { 'private-token': token, 'user-agent': 'curl/8' } });
      expect(res.statusCode).toBe(200);
      const logged = linesOf(lines, res.headers['x-request-id']);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: 30,
        time: expect.any(Number),
        msg: 'request completed',
        method: 'GET',
        route: '/api/v4/users/:id',
        path: `/api/v4/users/${userId}`,
        status: 200,
        duration_ms: expect.any(Number),
        user_id: userId,
        token_id: tokenId,
        remote_ip: '127.0.0.1',
      });
      expect(Object.keys(logged[0]!)).not.toContain('request_headers');
      expect(Object.keys(logged[0]!)).not.toContain('req');
      expect(JSON.stringify(lines)).not.toContain(token);
      expect(JSON.stringify(lines)).not.toContain('curl/8');
    });

    it('masks a token given in the query string', async () => {
      const res = await app.inject({ method: 'GET', url: `/api/v4/user?private_token=${token}&per_page=5` });
      expect(res.statusCode).toBe(200);
      const [line] = linesOf(lines, res.headers['x-request-id']);
      expect(line).toMatchObject({ route: '/api/v4/user', path: '/api/v4/user?private_token=%5BREDACTED%5D&per_page=5', user_id: userId, token_id: tokenId });
      expect(JSON.stringify(lines)).not.toContain(token);
    });

    it('logs refusals and unknown routes with their status, anonymous ones without a caller', async () => {
      const anonymous = await app.inject({ method: 'GET', url: '/api/v4/user' });
      const missing = await app.inject({ method: 'GET', url: '/api/v4/no/such/route', headers: { 'private-token': token } });
      expect([anonymous.statusCode, missing.statusCode]).toEqual([401, 404]);
      const [refused] = linesOf(lines, anonymous.headers['x-request-id']);
      expect(refused).toMatchObject({ route: '/api/v4/user', status: 401 });
      expect(refused).not.toHaveProperty('user_id');
      expect(refused).not.toHaveProperty('token_id');
      expect(linesOf(lines, missing.headers['x-request-id'])).toEqual([expect.objectContaining({ path: '/api/v4/no/such/route', status: 404 })]);
    });

    it('still logs the error behind a 500 at error, before the request line', async () => {
      const res = await app.inject({ method: 'GET', url: '/test/bug' });
      expect(res.statusCode).toBe(500);
      expect(linesOf(lines, res.headers['x-request-id'])).toEqual([
        expect.objectContaining({ level: 50, msg: 'unhandled error', err: expect.objectContaining({ message: 'a bug' }) }),
        expect.objectContaining({ level: 30, msg: 'request completed', route: '/test/bug', status: 500 }),
      ]);
    });
  });

  describe('at debug', () => {
    let app: App;
    let lines: LogLine[];
    beforeAll(async () => ({ app, lines } = await appLoggingAt(h, 'debug')));
    afterAll(() => app.close());

    it('adds the request headers, every credential censored', async () => {
      const credentials = {
        'private-token': token,
        authorization: 'Bearer secret-bearer',
        'proxy-authorization': 'Basic c2VjcmV0LXByb3h5',
        cookie: '_tollgate_session=secret-session',
        'x-csrf-token': 'secret-csrf',
        'job-token': 'secret-job-token',
        'x-gitlab-token': 'secret-webhook',
      };
      const res = await app.inject({ method: 'GET', url: '/api/v4/user', headers: { ...credentials, 'user-agent': 'curl/8' } });
      expect(res.statusCode).toBe(200);
      const line = completedLineOf(lines, res.headers['x-request-id']);
      const censored = Object.fromEntries(Object.keys(credentials).map((name) => [name, '[REDACTED]']));
      expect(line!.request_headers).toEqual(expect.objectContaining({ ...censored, 'user-agent': 'curl/8' }));
      expect(line).toMatchObject({ status: 200, user_id: userId, token_id: tokenId });
      const written = JSON.stringify(lines);
      for (const secret of [token, 'secret-bearer', 'c2VjcmV0LXByb3h5', 'secret-session', 'secret-csrf', 'secret-job-token', 'secret-webhook']) {
        expect(written).not.toContain(secret);
      }
    });

    it('logs each request as it arrives too, so one that never completes shows up', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v4/version?private_token=secret-in-query' });
      expect(linesOf(lines, res.headers['x-request-id']).map((line) => [line.msg, line.path])).toEqual([
        ['request received', '/api/v4/version?private_token=%5BREDACTED%5D'],
        ['request completed', '/api/v4/version?private_token=%5BREDACTED%5D'],
      ]);
    });

    it('censors the session cookie the response sets', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v4/session', payload: { login: 'root', password: TEST_ROOT_PASSWORD } });
      expect(res.statusCode).toBe(201);
      const session = res.cookies[0]!.value;
      const line = completedLineOf(lines, res.headers['x-request-id']);
      expect(line!.response_headers).toEqual(expect.objectContaining({ 'set-cookie': '[REDACTED]', 'x-request-id': res.headers['x-request-id'] }));
      expect(JSON.stringify(lines)).not.toContain(session);
    });
  });

  it('writes the request line byte for byte as pino would, from one JSON.stringify', () => {
    const written: string[] = [];
    const stream = { write: (text: string) => void written.push(text) };
    // A fixed time: two calls of pino's clock would differ.
    const logger = pino({ ...loggerOptions('info'), timestamp: () => ',"time":1796539724829' }, stream).child({ reqId: 'f1e2"d3' });
    const fields = { method: 'GET', route: '/api/v4/groups/:id', path: '/api/v4/groups/a%22b?x=\u2028', status: 200, duration_ms: 0.7153, user_id: undefined, token_id: 7, remote_ip: '::1', note: 'tab\there "quoted" ünïcode \u0000' };
    for (const [f, msg] of [[fields, 'request completed'], [{}, 'nothing else'], [{ n: -0, big: 1e21 }, 'numbers']] as const) {
      written.splice(0);
      logger.info(f, msg);
      writeInfoLine(logger, f, msg);
      expect(written).toHaveLength(2);
      expect(written[1]).toBe(written[0]);
    }
    // Below info, nothing.
    logger.level = 'warn';
    written.splice(0);
    writeInfoLine(logger, fields, 'request completed');
    expect(written).toEqual([]);
  });
});
