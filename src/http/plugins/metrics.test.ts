import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { createHarness, type Harness } from '../../../test/support/harness.js';

const METRICS_TOKEN = 'scraper-secret-0123456789';

describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite', { config: { metricsToken: METRICS_TOKEN } });
  });
  afterAll(() => h.close());

  const scrape = async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('counts requests by route pattern (never by raw URL) for loopback scrapers', async () => {
    await h.app.inject({ method: 'GET', url: '/api/v4/groups/12345' });
    const body = await scrape();
    expect(body).toContain('tollgate_http_requests_total{method="GET",route="/api/v4/groups/:id",status="404"} 1');
    expect(body).toContain('tollgate_http_request_duration_seconds_bucket{method="GET",route="/api/v4/groups/:id",le="+Inf"} 1');
    expect(body).toContain('tollgate_http_request_duration_seconds_count{method="GET",route="/api/v4/groups/:id"} 1');
    expect(body).toMatch(/tollgate_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v4\/groups\/:id",le="5"\} 1\n/);
    expect(body).toContain('# TYPE tollgate_http_request_duration_seconds histogram');
    expect(body).not.toContain('/api/v4/groups/12345');
    expect(body).toContain('tollgate_process_cpu_user_seconds_total');
  });

  it('issue 11: authentication outcomes, the token cache and its change feed, the outboxes, job runs', async () => {
    // read_user: GET /user accepts it (§3.3), POST /groups does not.
    const { token } = await makePat(h, await makeUser(h), { scopes: ['read_user'] });
    await h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': token } });
    await h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': token } });
    await h.app.inject({ method: 'POST', url: '/api/v4/groups', headers: { 'private-token': token }, payload: {} });
    await h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': 'glpat-not-a-token' } });
    h.app.recordJobRun('mail-delivery', 'ran', 0.25);
    h.app.recordJobRun('mail-delivery', 'skipped', 0);
    const body = await scrape();
    expect(body).toContain('tollgate_authentications_total{outcome="ok",via="api"} 2');
    expect(body).toContain('tollgate_authentications_total{outcome="insufficient_scope",via="api"} 1');
    expect(body).toContain('tollgate_authentications_total{outcome="unknown",via="api"} 1');
    expect(body).toMatch(/tollgate_token_cache_hits_total [1-9]/);
    expect(body).toMatch(/tollgate_token_cache_misses_total [1-9]/);
    expect(body).toMatch(/tollgate_token_cache_entries\{kind="token"\} [1-9]/);
    expect(body).toContain('tollgate_auth_change_feed_up 1');
    expect(body).toContain('tollgate_outbox_queued{outbox="mail"} 0');
    expect(body).toContain('tollgate_outbox_queued{outbox="webhooks"} 0');
    expect(body).toContain('tollgate_job_runs_total{job="mail-delivery",outcome="ran"} 1');
    expect(body).toContain('tollgate_job_runs_total{job="mail-delivery",outcome="skipped"} 1');
    expect(body).toContain('tollgate_job_duration_seconds_count{job="mail-delivery"} 1');
  });

  it('is not served to other addresses, unless they bring TOLLGATE_METRICS_TOKEN as a bearer token', async () => {
    const from = (headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers });
    expect((await from()).statusCode).toBe(404);
    expect((await from({ authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
    const allowed = await from({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('tollgate_http_requests_total');
  });
});
