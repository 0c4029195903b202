import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePat } from '../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../test/support/harness.js';

/** Issue 14: `?page=1e400` reached SQL as Infinity (Ajv coerces it and then skips minimum/maximum). */
describe('numbers that are not finite', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    ({ token } = await makePat(h, h.root));
  });
  afterAll(() => h.close());

  it('are refused in a query string, as any number of the wrong kind is: 400 "<name> is invalid"', async () => {
    for (const [query, name] of [['page=1e400', 'page'], ['per_page=Infinity', 'per_page'], ['page=-1e999', 'page'], ['page=2&per_page=1E309', 'per_page']]) {
      const res = await client(h, token).get(`/api/v4/groups?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toEqual({ error: `${name} is invalid` });
    }
  });

  it('are refused in a form body, and nothing is made', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v4/groups',
      headers: { 'private-token': token, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=Finite&path=finite&parent_id=1e400',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'parent_id is invalid' });
    expect((await client(h, token).get('/api/v4/groups?search=finite')).json()).toEqual([]);
  });

  it('a string that merely reads like one is still a string where a string is asked', async () => {
    expect((await client(h, token).get('/api/v4/groups?search=1e400')).statusCode).toBe(200);
  });
});
