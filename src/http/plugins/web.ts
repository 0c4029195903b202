import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App, RouteOptions } from '../types.js';

/** The Vite build of web/: three levels up from src/http/plugins (tsx) and from dist/http/plugins (built) alike. */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
const ASSETS_ROOT = join(WEB_ROOT, 'assets');

/** The client-side routes of the single-page app; each answers with index.html and the app picks the page. */
export const SPA_ROUTES = ['/', '/users/sign_in', '/groups', '/groups/*', '/admin', '/admin/*'] as const;

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

  const routeOptions = { config: { auth: 'none' as const }, schema: { hide: true } };
  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!existsSync(join(WEB_ROOT, 'index.html'))) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The web UI has not been built: run `npm run build`.\n');
    }
    // The page names hashed assets, so it must be revalidated; the assets never change.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  for (const url of SPA_ROUTES) app.get(url, routeOptions, page);
  app.get('/assets/*', routeOptions, async (request, reply) => {
    const file = (request.params as { '*': string })['*'];
    return reply.sendFile(file, ASSETS_ROOT, { maxAge: 31_536_000_000, immutable: true });
  });
}
