import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../../test/support/harness.js';

/**
 * Every route declares what it answers, per status: its success and its errors. The response schema
 * is the output whitelist (fast-json-stringify writes only the listed fields), the OpenAPI
 * document's answer and the web UI's types; a route without one answers with whatever its handler
 * returns and documents nothing.
 */
interface SeenRoute {
  method: string;
  url: string;
  statuses: string[] | null;
  auth: string;
}

const routeName = (route: SeenRoute) => `${route.method} ${route.url}`;

describe('response schemas', () => {
  let h: Harness;
  const routes: SeenRoute[] = [];
  // Fastify announces each new instance on this channel before any plugin runs: the hook then sees
  // every route, including those of plugins registered inside buildApp.
  const onInstance = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const response = route.schema?.response as Record<string, unknown> | undefined;
      for (const method of methods) {
        routes.push({ method, url: route.url, statuses: response ? Object.keys(response) : null, auth: route.config?.auth ?? 'required' });
      }
    });
  };

  beforeAll(async () => {
    subscribe('fastify.initialization', onInstance);
    try {
      h = await createHarness('sqlite');
    } finally {
      unsubscribe('fastify.initialization', onInstance);
    }
  });
  afterAll(() => h.close());

  it('sees the routes (the API, git, health, metrics, the web UI)', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const url of ['/api/v4/groups/:id/access_tokens', '/api/v4/openapi.json', '/-/health', '/metrics', '/', '/assets/*', '/:p0/:p1/info/refs']) {
      expect(urls, url).toContain(url);
    }
    expect(routes.length).toBeGreaterThan(60);
  });

  it('every route declares a response schema for its success and for its errors', () => {
    const missing = routes.filter((r) => r.statuses === null).map(routeName);
    expect(missing, 'routes without schema.response').toEqual([]);
    const withoutSuccess = routes.filter((r) => !r.statuses!.some((s) => /^[123]/.test(s))).map(routeName);
    expect(withoutSuccess, 'routes without a response schema for their success (1xx-3xx)').toEqual([]);
    const withoutErrors = routes.filter((r) => !r.statuses!.some((s) => /^[45]/.test(s))).map(routeName);
    expect(withoutErrors, 'routes without a response schema for their errors (4xx-5xx)').toEqual([]);
  });

  it('every API route that authenticates declares the answers of authentication: 400, 401 and 403', () => {
    // A token may be unknown or expired (401), lack a scope (403), and any parameter may be invalid (400).
    const incomplete = routes
      .filter((r) => r.url.startsWith('/api/v4/') && r.auth !== 'none')
      .filter((r) => !['400', '401', '403'].every((s) => r.statuses?.includes(s)))
      .map(routeName);
    expect(incomplete).toEqual([]);
  });
});
