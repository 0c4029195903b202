import { isDatabaseReachable } from '../../store/database.js';
import type { App, RouteOptions } from '../types.js';

/** Liveness (the process answers) and readiness (the database answers), for load balancers. */
export async function healthRoutes(app: App, { ctx }: RouteOptions) {
  const hidden = { hide: true } as Record<string, unknown>;
  app.get('/-/health', { config: { auth: 'none' }, schema: hidden }, async (_request, reply) => reply.type('text/plain').send('Tollgate OK'));
  app.get('/-/readiness', { config: { auth: 'none' }, schema: hidden }, async (_request, reply) => {
    const ok = await isDatabaseReachable(ctx.database);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failed', database: { status: ok ? 'ok' : 'failed' } });
  });
}
