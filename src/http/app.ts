import Fastify, { LogController, type FastifyLoggerOptions, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { STATUS_CODES } from 'node:http';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../services/context.js';
import { authPlugin } from './plugins/auth.js';
import { errorsPlugin } from './plugins/errors.js';
import { apiConventions } from './plugins/api-conventions.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { webPlugin } from './plugins/web.js';
import { finiteNumbersOnly } from './finite-numbers.js';
import { redactUrl } from './redaction.js';
import { healthRoutes } from './routes/health.js';
import { gitRoutes } from './git/routes.js';
import { registryAuthRoutes } from './routes/registry-auth.js';
import { forwardAuthRoutes } from './routes/forward-auth.js';
import { introspectionRoutes } from './routes/introspection.js';
import { metadataRoutes } from './routes/metadata.js';
import { userRoutes } from './routes/users.js';
import { personalAccessTokenRoutes } from './routes/personal-access-tokens.js';
import { groupRoutes } from './routes/groups.js';
import { membersRoutes } from './routes/members.js';
import { projectRoutes } from './routes/projects.js';
import { issueRoutes } from './routes/issues.js';
import { applicationSettingsRoutes } from './routes/application-settings.js';
import { resourceAccessTokenRoutes } from './routes/resource-access-tokens.js';
import { auditEventRoutes } from './routes/audit-events.js';
import { hookRoutes } from './routes/hooks.js';
import { adminMailQueueRoutes } from './routes/admin-mail-queue.js';
import { adminTokenRoutes } from './routes/admin-token.js';
import { sessionRoutes } from './routes/session.js';
import { credentialsRevokeRoutes } from './routes/credentials-revoke.js';
import type { App } from './types.js';

/** The largest request body any route parses (docs/operator-guide.md "Request size limits"). */
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppOptions {
  ctx: ServiceContext;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Form bodies as GitLab reads them: `scopes[]=api&scopes[]=read_api` is a list. The object has no
 * prototype, so a key such as `__proto__` or `constructor` is a plain parameter (validation then
 * refuses or drops it) and never reaches Object.prototype.
 */
function parseForm(body: string): Record<string, unknown> {
  const result: Record<string, unknown> = Object.create(null);
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    if (rawKey.endsWith('[]') || Object.hasOwn(result, key)) {
      const existing = result[key];
      result[key] = Array.isArray(existing) ? [...existing, value] : existing === undefined ? [value] : [existing, value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

export function loggerOptions(level: string): FastifyLoggerOptions {
  return {
    level,
    // Fastify's own lines (a 500 its error handler could not answer) name the request this way:
    // no headers, secrets in the query string masked. Request lines are request-log.ts's.
    serializers: {
      req: (req: { id: string; method: string; url: string; ip?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url), ip: req.ip }),
    },
  };
}

/** The plugin order is the app's table of contents: infrastructure, then auth, then routes. */
export async function buildApp({ ctx, logger = false }: AppOptions): Promise<App> {
  const app = Fastify({
    logger,
    // One line per request from requestLogPlugin instead of Fastify's two with every header.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,64}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID()),
    requestIdHeader: false,
    // Requests the router cannot even read (an undecodable URL): GitLab's shape, our request id.
    // Fastify's message quotes the raw URL, secrets and all: log and answer without it.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      request.log.info({ code: error.code, url: redactUrl(request.url) }, 'request refused before routing');
      const raw = reply as unknown as FastifyReply;
      void raw.code(status).header('x-request-id', request.id).send({ message: `${status} ${STATUS_CODES[status] ?? 'Bad Request'}` });
    },
    trustProxy: ctx.config.trustedProxies.length > 0 ? ctx.config.trustedProxies : false,
    routerOptions: { maxParamLength: 1024 },
    // Every parsed body (JSON, forms) is at most API_BODY_LIMIT_BYTES: the API's largest, a
    // thousand leaked values for /credentials/revoke, is under 100 KiB. More is a 413 before any
    // parsing. Git's bodies are not parsed but streamed to git (git/routes.ts), and forward auth
    // never reads one. Headers and the URL are capped by Node itself (16 KiB together: 431).
    bodyLimit: API_BODY_LIMIT_BYTES,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: finiteNumbersOnly() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Hooks on every request take a callback rather than being async: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // No answer is to be sniffed into something else (a JSON error rendered as HTML, say).
    reply.header('x-content-type-options', 'nosniff');
    // python-gitlab reads a body as JSON only when the type is exactly `application/json`, as
    // GitLab sends it; Fastify would add `; charset=utf-8`.
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    done(null, payload);
  });
  // An empty body with a JSON content type is an empty set of parameters, as in GitLab; anything
  // else goes to Fastify's own parser, which refuses `__proto__` and `constructor.prototype` keys
  // (prototype poisoning) with a 400.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    parseJson(request, text, done);
  });
  await app.register(formbody, { parser: parseForm });
  await app.register(requestLogPlugin);
  await app.register(errorsPlugin);
  await app.register(metricsPlugin, { ctx });
  await app.register(openApiPlugin, { ctx });
  await app.register(authPlugin, { ctx });

  await app.register(healthRoutes, { ctx });
  await app.register(gitRoutes, { ctx });
  await app.register(registryAuthRoutes, { ctx });
  await app.register(forwardAuthRoutes, { ctx });
  await app.register(introspectionRoutes, { ctx });
  await app.register(
    async (api) => {
      apiConventions(api);
      await api.register(metadataRoutes, { ctx });
      await api.register(userRoutes, { ctx });
      await api.register(personalAccessTokenRoutes, { ctx });
      await api.register(groupRoutes, { ctx });
      await api.register(membersRoutes, { ctx, source: 'group' });
      await api.register(membersRoutes, { ctx, source: 'project' });
      await api.register(projectRoutes, { ctx });
      await api.register(issueRoutes, { ctx });
      await api.register(applicationSettingsRoutes, { ctx });
      await api.register(resourceAccessTokenRoutes, { ctx, kind: 'group' });
      await api.register(resourceAccessTokenRoutes, { ctx, kind: 'project' });
      await api.register(auditEventRoutes, { ctx });
      await api.register(hookRoutes, { ctx, kind: 'group' });
      await api.register(hookRoutes, { ctx, kind: 'project' });
      await api.register(adminMailQueueRoutes, { ctx });
      await api.register(adminTokenRoutes, { ctx });
      await api.register(sessionRoutes, { ctx });
      await api.register(credentialsRevokeRoutes, { ctx });
    },
    { prefix: '/api/v4' },
  );
  await app.register(webPlugin, { ctx });
  return app as unknown as App;
}
