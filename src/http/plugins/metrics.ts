import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricValueWithName } from 'prom-client';
import { constantTimeEqual } from '../../domain/constant-time.js';
import type { ServiceContext } from '../../services/context.js';
import { databasePool, outboxDepths } from '../../services/health.js';
import { errorResponses, RawResponse } from '../schemas.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** How an authentication ended: the outcomes of `authenticateToken`, a token without the route's scope, a throttled address's token. */
type AuthenticationOutcome = 'ok' | 'unknown' | 'expired' | 'revoked' | 'ip_refused' | 'blocked' | 'insufficient_scope' | 'throttled';
type JobRunOutcome = 'ran' | 'skipped' | 'failed';
/** Where a token was presented. */
type AuthenticationEntryPoint = 'api' | 'git' | 'registry' | 'forward_auth' | 'introspection';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a token authentication (the API's and Git's). */
    countAuthentication(outcome: AuthenticationOutcome, via: AuthenticationEntryPoint): void;
    /** Records a scheduled job's run (the scheduler calls it). */
    recordJobRun(job: string, outcome: JobRunOutcome, seconds: number): void;
  }
}

/**
 * Prometheus metrics at /metrics: what an operator watches (issue 11) — requests by route and
 * status, authentication outcomes, the authentication cache and its change feed, the database pool,
 * scheduled jobs and the outboxes — plus Node's process metrics. They describe the deployment, so
 * they are served to loopback clients, or to a scraper that sends `TOLLGATE_METRICS_TOKEN` as a
 * bearer token.
 */
const REQUEST_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/** One route's requests (a method and a route pattern), counted in plain numbers. */
interface RouteRequests {
  labels: { method: string; route: string };
  byStatus: Map<number, number>;
  /** Requests per duration bucket (not cumulative; the last one is past the highest bound). */
  buckets: number[];
  seconds: number;
  count: number;
}

/**
 * What every request adds to the metrics, counted on the request path in plain numbers and handed
 * to prom-client only when it is scraped: prom-client builds and hashes a label set on every
 * `inc` and `observe`, which cost a tenth of a cached request (docs/performance.md).
 */
class RequestCounts {
  private readonly byRoute = new Map<string, Map<string, RouteRequests>>();
  /** Authentications by entry point, then outcome. */
  readonly authentications = new Map<string, Map<string, number>>();

  record(method: string, route: string, status: number, seconds: number): void {
    let methods = this.byRoute.get(route);
    if (!methods) this.byRoute.set(route, (methods = new Map()));
    let requests = methods.get(method);
    if (!requests) {
      requests = { labels: { method, route }, byStatus: new Map(), buckets: new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0), seconds: 0, count: 0 };
      methods.set(method, requests);
    }
    requests.byStatus.set(status, (requests.byStatus.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < REQUEST_DURATION_BUCKETS.length && seconds > REQUEST_DURATION_BUCKETS[bucket]!) bucket += 1;
    requests.buckets[bucket]! += 1;
    requests.seconds += seconds;
    requests.count += 1;
  }

  countAuthentication(via: string, outcome: string): void {
    let outcomes = this.authentications.get(via);
    if (!outcomes) this.authentications.set(via, (outcomes = new Map()));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }

  *routes(): Iterable<RouteRequests> {
    for (const methods of this.byRoute.values()) yield* methods.values();
  }

  /** The duration histogram in prom-client's form: cumulative buckets, then `+Inf`, sum and count. */
  durationValues(name: string): MetricValueWithName<string>[] {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, buckets, seconds, count } of this.routes()) {
      let cumulative = 0;
      REQUEST_DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += buckets[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
      values.push({ metricName: `${name}_sum`, labels, value: seconds });
      values.push({ metricName: `${name}_count`, labels, value: count });
    }
    return values;
  }
}

export const metricsPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  const registers = [registry];
  const counts = new RequestCounts();
  new Counter({ name: 'tollgate_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers, collect() {
    this.reset();
    for (const { labels, byStatus } of counts.routes()) for (const [status, n] of byStatus) this.inc({ ...labels, status: String(status) }, n);
  } });
  const durations = { name: 'tollgate_http_request_duration_seconds', help: 'HTTP request durations by route', type: 'histogram', aggregator: 'sum' } as const;
  // prom-client's registry formats any metric that answers `get()`; this one reads `counts`.
  registry.registerMetric({ ...durations, get: async () => ({ ...durations, values: counts.durationValues(durations.name) }), reset() {} } as unknown as Histogram);
  new Counter({ name: 'tollgate_authentications_total', help: 'Token authentications by outcome and entry point', labelNames: ['outcome', 'via'] as const, registers, collect() {
    this.reset();
    for (const [via, outcomes] of counts.authentications) for (const [outcome, n] of outcomes) this.inc({ outcome, via }, n);
  } });
  const jobRuns = new Counter({ name: 'tollgate_job_runs_total', help: 'Scheduled job runs by job and outcome (skipped: another run held its lock)', labelNames: ['job', 'outcome'] as const, registers });
  const jobDurations = new Histogram({
    name: 'tollgate_job_duration_seconds',
    help: 'Scheduled job run durations',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.1, 1, 10, 60, 600],
    registers,
  });

  // Read at scrape time from what the cache counts itself.
  const cache = ctx.tokenLookup;
  const fromCache = (name: string, help: string, read: () => number) => new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
  fromCache('tollgate_token_cache_hits_total', 'Token lookups answered from memory (tokens, and values known to be unknown)', () => cache.stats.hits + cache.stats.unknownHits);
  fromCache('tollgate_token_cache_misses_total', 'Token lookups that read the database', () => cache.stats.misses + cache.stats.untrusted);
  fromCache('tollgate_token_cache_invalidations_total', 'Cached tokens dropped because their token or user changed', () => cache.stats.invalidations);
  fromCache('tollgate_token_cache_flushes_total', 'Times the whole cache was dropped (own writes, a lost or regained change feed)', () => cache.stats.flushes);
  new Gauge({ name: 'tollgate_token_cache_entries', help: 'Entries held: tokens, and values known to be unknown', labelNames: ['kind'] as const, registers, collect() {
    this.set({ kind: 'token' }, cache.size.tokens);
    this.set({ kind: 'unknown' }, cache.size.unknown);
  } });
  new Gauge({ name: 'tollgate_auth_change_feed_up', help: '1 while the change feed that keeps the cache true is connected (0: every lookup reads the database)', registers, collect() {
    this.set(cache.live ? 1 : 0);
  } });
  new Gauge({ name: 'tollgate_database_pool_connections', help: 'PostgreSQL pool connections by state (total, idle, waiting clients)', labelNames: ['state'] as const, registers, collect() {
    const pool = databasePool(ctx);
    if (!pool) return;
    for (const [state, value] of Object.entries(pool)) this.set({ state }, value);
  } });
  new Gauge({ name: 'tollgate_outbox_queued', help: 'Emails and webhook events waiting to be delivered', labelNames: ['outbox'] as const, registers, async collect() {
    const depths = await outboxDepths(ctx);
    this.set({ outbox: 'mail' }, depths.mail);
    this.set({ outbox: 'webhooks' }, depths.webhooks);
  } });

  app.decorate('countAuthentication', (outcome: AuthenticationOutcome, via: AuthenticationEntryPoint) => counts.countAuthentication(via, outcome));
  app.decorate('recordJobRun', (job: string, outcome: JobRunOutcome, seconds: number) => {
    jobRuns.inc({ job, outcome });
    if (outcome !== 'skipped') jobDurations.observe({ job }, seconds);
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // The route pattern, never the raw URL: paths carry ids and must not explode the label set.
    counts.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const schema = {
    hide: true,
    response: { 200: RawResponse('Prometheus metrics, in the text exposition format', ['text/plain']), ...errorResponses(401, 404) },
  };
  const token = ctx.config.metricsToken;
  app.get('/metrics', { config: { auth: 'none' }, schema }, async (request, reply) => {
    const authorization = request.headers.authorization;
    if (!LOOPBACK.test(request.ip)) {
      // Unannounced to the world; a scraper that tried a token learns that it was wrong.
      if (!token || authorization === undefined) return reply.code(404).send({ error: '404 Not Found' });
      if (!constantTimeEqual(authorization, `Bearer ${token}`)) return reply.code(401).send({ message: '401 Unauthorized' });
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
});
