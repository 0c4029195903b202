import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../../test/support/harness.js';

describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('counts requests by route pattern (never by raw URL) for loopback scrapers', async () => {
    await h.app.inject({ method: 'GET', url: '/api/v4/groups/12345' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('tollgate_http_requests_total{method="GET",route="/api/v4/groups/:id",status="404"} 1');
    expect(res.body).not.toContain('/api/v4/groups/12345');
    expect(res.body).toContain('tollgate_process_cpu_user_seconds_total');
  });

  it('is not served to other addresses', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(res.statusCode).toBe(404);
  });
});
