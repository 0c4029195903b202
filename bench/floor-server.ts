// The floor under P1: the least a Fastify app can do to answer GET /personal_access_tokens/self
// as shipped — the request line at `info`, written by Tollgate's own writer and destination (run
// with tsx, it imports them from src/), a token found in memory by a SHA-256 of the presented
// value, and the token's JSON through a response schema. No database, no checks. Tollgate's P1
// cannot be faster than this; the gap between the two is Tollgate's own work. Listens on
// 127.0.0.1:$PORT.
import Fastify, { LogController } from 'fastify';
import { hash, randomUUID } from 'node:crypto';
import { openLogDestination } from '../src/cli/log-destination.js';
import { writeInfoLine } from '../src/http/plugins/request-log.js';

const app = Fastify({
  logger: { level: 'info', stream: openLogDestination() },
  logController: new LogController({ disableRequestLogging: true }),
  genReqId: () => randomUUID(),
});

// A token's JSON as Tollgate answers it (GitLab's PersonalAccessToken entity).
const token = {
  id: 2, name: 'hot path', active: true, revoked: false, expired: false, granular: false, created_at: '2026-12-06T00:43:44.727Z',
  description: null, scopes: ['read_api'], user_id: 3, last_used_at: null, expires_at: '2027-10-02', last_used_ips: [], revoked_at: null,
};
const nullableString = { type: ['string', 'null'] };
type Token = typeof token;
declare module 'fastify' {
  interface FastifyRequest {
    token?: Token;
  }
}
const schema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, name: { type: 'string' }, active: { type: 'boolean' }, revoked: { type: 'boolean' }, expired: { type: 'boolean' },
    granular: { type: 'boolean' }, created_at: { type: 'string' }, description: nullableString, scopes: { type: 'array', items: { type: 'string' } },
    user_id: { type: 'integer' }, last_used_at: nullableString, expires_at: nullableString, last_used_ips: { type: 'array', items: { type: 'string' } },
    revoked_at: nullableString,
  },
};
const tokens = new Map<string, Token>();

app.addHook('preValidation', (request, _reply, done) => {
  const presented = request.headers['private-token'];
  if (typeof presented === 'string') {
    const key = hash('sha256', presented, 'base64');
    request.token = tokens.get(key) ?? (tokens.set(key, token), token);
  }
  done();
});
app.addHook('onResponse', (request, reply, done) => {
  writeInfoLine(
    request.log,
    { method: request.method, route: request.routeOptions.url, path: request.url, status: reply.statusCode, duration_ms: reply.elapsedTime, user_id: request.token?.user_id, token_id: request.token?.id, remote_ip: request.ip },
    'request completed',
  );
  done();
});
app.get('/api/v4/version', async () => ({ version: '18.7.0', revision: 'floor' }));
app.get('/api/v4/personal_access_tokens/self', { schema: { response: { 200: schema } } }, async (request) => request.token);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
