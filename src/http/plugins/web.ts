import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_GROUP_DEPTH } from '../git/request.js';
import { errorResponses, RawResponse } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/** Set by scripts/build-server.mjs in the bundle it writes to dist/cli/. */
declare const __TOLLGATE_BUNDLE__: boolean | undefined;

/** The Vite build of web/: dist/web, beside the bundle in dist/cli, or three levels up from src/http/plugins (tests). */
export const WEB_ROOT = fileURLToPath(new URL(typeof __TOLLGATE_BUNDLE__ !== 'undefined' ? '../web/' : '../../../dist/web/', import.meta.url));
const ASSETS_ROOT = join(WEB_ROOT, 'assets');

/**
 * A project's pages at GitLab's paths, `/<group path>/<project>` and `…/-/settings/access_tokens`:
 * find-my-way has no multi-segment parameters, so one route per depth (as the Git routes). The first
 * segment never names the server's own prefixes, so `/api/v4/unknown` stays a JSON 404, and the
 * last is never `refs` (a project page named so is reached by navigation, not by reloading).
 */
const PROJECT_PAGE_ROUTES = Array.from({ length: MAX_GROUP_DEPTH }, (_, i) => {
  const middle = Array.from({ length: i }, (_, j) => `/:p${j + 1}`).join('');
  const first = ':p0(^(?!(?:api|assets|admin|groups|users|-)$)[^/]+$)';
  // Never `…/info/refs`: that is Git's (src/http/git/routes.ts), which a project page would shadow.
  const project = `/${first}${middle}/:p${i + 1}(^(?!refs$)[^/]+$)`;
  return [project, `/${first}${middle}/:p${i + 1}/-/settings/access_tokens`];
}).flat();

/** The client-side routes of the single-page app; each answers with index.html and the app picks the page. */
const SPA_ROUTES = ['/', '/users/sign_in', '/groups', '/groups/*', '/admin', '/admin/*', '/-/user_settings/personal_access_tokens', ...PROJECT_PAGE_ROUTES] as const;

/**
 * Serves the web UI. It is one more API client: it calls /api/v4 with the session cookie and the
 * CSRF header. Its pages carry the security headers; no route here needs authentication (the data
 * does, through the API).
 */
export async function webPlugin(app: App, { ctx }: RouteOptions) {
  const https = ctx.config.externalUrl.startsWith('https:');
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // No inline script, no eval: the bundle is a file from this origin.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Upgrading would break a plain-HTTP install (and localhost), so only behind HTTPS.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
  await app.register(fastifyStatic, { root: WEB_ROOT, serve: false });

  const config = { auth: 'none' as const };
  const pageSchema = {
    hide: true,
    response: {
      200: RawResponse("The single-page app's index.html", ['text/html']),
      503: RawResponse('The web UI has not been built', ['text/plain']),
    },
  };
  // Scripts, styles, fonts and images: whatever type the file has.
  const assetSchema = { hide: true, response: { 200: RawResponse('A file of the web UI build', ['*/*'], 'binary'), ...errorResponses(404) } };
  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!existsSync(join(WEB_ROOT, 'index.html'))) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The web UI has not been built: run `npm run build`.\n');
    }
    // The page names hashed assets, so it must be revalidated; the assets never change.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  for (const url of SPA_ROUTES) app.get(url, { config, schema: pageSchema }, page);
  app.get('/assets/*', { config, schema: assetSchema }, async (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply.sendFile(file, ASSETS_ROOT, { maxAge: 31_536_000_000, immutable: true });
  });
}
