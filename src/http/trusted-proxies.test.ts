import { afterEach, describe, expect, it } from 'vitest';
import { makePat } from '../../test/support/factories.js';
import { createHarness, type Harness } from '../../test/support/harness.js';

/** Which client IP is recorded (last-used IPs, Git bans, sign-in throttles) behind a reverse proxy. */
describe('TOLLGATE_TRUSTED_PROXIES', () => {
  let h: Harness;
  afterEach(() => h.close());

  async function recordedIp(trustedProxies: string[]): Promise<string[]> {
    h = await createHarness('sqlite', { config: { trustedProxies } });
    const { token, id } = await makePat(h, h.root);
    await h.app.inject({ method: 'GET', url: '/api/v4/user', remoteAddress: '10.0.0.5', headers: { 'private-token': token, 'x-forwarded-for': '198.51.100.7' } });
    await h.ctx.tokenUsage.flush();
    const res = await h.app.inject({ method: 'GET', url: `/api/v4/personal_access_tokens/${id}`, headers: { 'private-token': token } });
    return res.json().last_used_ips;
  }

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    expect(await recordedIp(['10.0.0.0/8'])).toEqual(['198.51.100.7']);
  });

  it('ignores X-Forwarded-For from anyone else (a client cannot choose its own IP)', async () => {
    expect(await recordedIp([])).toEqual(['10.0.0.5']);
  });
});
