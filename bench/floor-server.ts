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
import { tokenAnswer, tokenAnswerSchema, type TokenAnswer } from './support/token-answer.js';

const app = Fastify({
  logger: { level: 'info', stream: openLogDestination() },
  logController: new LogController({ disableRequestLogging: true }),
  genReqId: () => randomUUID(),
});

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenAnswer;
  }
}
const tokens = new Map<string, TokenAnswer>();

app.addHook('preValidation', (request, _reply, done) => {
  const presented = request.headers['private-token'];
  if (typeof presented === 'string') {
    const key = hash('sha256', presented, 'base64');
    request.token = tokens.get(key) ?? (tokens.set(key, tokenAnswer), tokenAnswer);
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
app.get('/api/v4/personal_access_tokens/self', { schema: { response: { 200: tokenAnswerSchema } } }, async (request) => request.token);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
