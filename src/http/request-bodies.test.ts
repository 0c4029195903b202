import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { buildApp } from './app.js';
import type { App } from './types.js';

/** Request bodies cannot reach Object.prototype (issue 14: prototype poisoning). */
describe('request bodies', () => {
  let h: Harness;
  let app: App;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    app = await buildApp({ ctx: h.ctx });
    // What a route sees of its body.
    app.post('/test/body', { config: { auth: 'none' } }, async (request) => {
      const body = request.body as Record<string, unknown>;
      const prototype = Object.getPrototypeOf(body);
      return { plainPrototype: prototype === null || prototype === Object.prototype, keys: Object.keys(body) };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  const post = (payload: string, type: string) => app.inject({ method: 'POST', url: '/test/body', payload, headers: { 'content-type': type } });

  it('a JSON body with __proto__ or constructor.prototype is refused with a 400, as Fastify refuses it', async () => {
    for (const payload of ['{"name":"x","__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}']) {
      const res = await post(payload, 'application/json');
      expect(res.statusCode, payload).toBe(400);
      expect(res.json()).toEqual({ message: '400 The request body is not valid JSON' });
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('an empty JSON body is still no parameters (GitLab)', async () => {
    expect((await post('', 'application/json')).json()).toEqual({ plainPrototype: true, keys: [] });
  });

  it('a form key __proto__ is a plain parameter: the body keeps its prototype', async () => {
    const res = await post('name=x&__proto__[]=a&__proto__[]=b&constructor=c', 'application/x-www-form-urlencoded');
    expect(res.json()).toEqual({ plainPrototype: true, keys: ['name', '__proto__', 'constructor'] });
  });

  it('form lists still read as GitLab reads them', async () => {
    const res = await post('scopes[]=api&scopes[]=read_api&name=x', 'application/x-www-form-urlencoded');
    expect(res.json()).toEqual({ plainPrototype: true, keys: ['scopes', 'name'] });
  });
});
