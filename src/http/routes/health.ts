import { isReady } from '../../services/health.js';
import { Type } from '@fastify/type-provider-typebox';
import { errorResponses, RawResponse, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const Status = StringEnum(['ok', 'failed'] as const);
const Readiness = (description: string) => Type.Object({ status: Status, database: Type.Object({ status: Status }) }, { description });

/** Liveness (the process answers) and readiness (the database answers), for load balancers. */
export async function healthRoutes(app: App, { ctx }: RouteOptions) {
  const health = { hide: true, response: { 200: RawResponse('The process answers: "Tollgate OK"', ['text/plain']), ...errorResponses(500) } };
  const readiness = { hide: true, response: { 200: Readiness('Ready: the database answers'), 503: Readiness('Not ready: the database does not answer') } };
  app.get('/-/health', { config: { auth: 'none' }, schema: health }, async (_request, reply) => reply.type('text/plain').send('Tollgate OK'));
  app.get('/-/readiness', { config: { auth: 'none' }, schema: readiness }, async (_request, reply) => {
    const ok = await isReady(ctx);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', database: { status: ok ? 'ok' : 'failed' } });
  });
}
