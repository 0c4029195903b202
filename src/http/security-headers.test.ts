import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/harness.js';

/** Issue 14: every answer, not only the web pages, forbids MIME sniffing. */
describe('X-Content-Type-Options', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('is nosniff on API answers, errors and Git answers', async () => {
    const answers = await Promise.all([
      h.app.inject({ method: 'GET', url: '/api/v4/version' }),
      h.app.inject({ method: 'GET', url: '/api/v4/no/such/route' }),
      h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': 'glpat-unknown' } }),
      h.app.inject({ method: 'GET', url: '/nobody/nothing.git/info/refs?service=git-upload-pack' }),
      h.app.inject({ method: 'GET', url: '/-/health' }),
    ]);
    for (const res of answers) expect(res.headers['x-content-type-options'], `${res.statusCode} ${res.body}`).toBe('nosniff');
  });
});
