import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { errorResponses, RawResponse } from '../schemas.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Prometheus metrics at /metrics: process metrics and requests by route and status. Served to
 * loopback clients only, since they describe the deployment; scrape through the host or a sidecar.
 */
export const metricsPlugin = fp(async (app: FastifyInstance) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  const requests = new Counter({
    name: 'tollgate_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP request durations by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: paths carry ids and must not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    durations.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const schema = {
    hide: true,
    response: { 200: RawResponse('Prometheus metrics, in the text exposition format', ['text/plain']), ...errorResponses(404) },
  };
  app.get('/metrics', { config: { auth: 'none' }, schema }, async (request, reply) => {
    if (!LOOPBACK.test(request.ip)) return reply.code(404).send({ error: '404 Not Found' });
    return reply.type(registry.contentType).send(await registry.metrics());
  });
});
