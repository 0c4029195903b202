import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, makeUser } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';

describe.each(TEST_DIALECTS)('GET /version and /metadata (%s)', (dialect) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness(dialect);
    token = (await makePat(h, await makeUser(h), { scopes: ['read_api'] })).token;
  });
  afterAll(() => h.close());

  it('GET /version answers the GitLab version whose API Tollgate speaks, to any signed-in caller', async () => {
    const res = await client(h, token).get('/api/v4/version');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ version: '18.7.0', revision: 'tollgate-0.1.0' });
  });

  it('GET /metadata adds what clients probe for (no KAS, not enterprise)', async () => {
    const res = await client(h, token).get('/api/v4/metadata');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      version: '18.7.0',
      revision: 'tollgate-0.1.0',
      kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
      enterprise: false,
    });
  });

  it('both need a signed-in caller, as in GitLab: anonymous is 401', async () => {
    for (const path of ['/api/v4/version', '/api/v4/metadata']) {
      const res = await client(h).get(path);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: '401 Unauthorized' });
    }
  });

  it('a method the route does not have is GitLab\'s unknown route, not a 500', async () => {
    const res = await client(h, token).post('/api/v4/version', {});
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: '404 Not Found' });
  });
});
