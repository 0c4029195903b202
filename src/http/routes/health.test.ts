import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import { openDatabase } from '../../store/database.js';
import { buildApp } from '../app.js';

describe.each(TEST_DIALECTS)('GET /-/health and /-/readiness (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(() => h.close());

  it('/-/health answers without credentials, and ignores a bad token (load balancers send none)', async () => {
    for (const token of [undefined, 'glpat-not-a-token']) {
      const res = await client(h, token).get('/-/health');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('Tollgate OK');
    }
  });

  it('/-/readiness is 200 when the database answers', async () => {
    const res = await client(h).get('/-/readiness');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: { status: 'ok' } });
  });

  it('/-/readiness is 503 when the database does not answer (a closed connection, injected on purpose)', async () => {
    const { url, searchPath } = h.testDatabase;
    const closed = openDatabase({ url, ...(searchPath ? { searchPath } : {}) });
    closed.sqlite?.close();
    await closed.pool?.end();
    const app = await buildApp({ ctx: { ...h.ctx, database: closed } });
    try {
      const res = await app.inject({ method: 'GET', url: '/-/readiness' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'failed', database: { status: 'failed' } });
      // Liveness does not depend on the database: the process still answers.
      expect((await app.inject({ method: 'GET', url: '/-/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
