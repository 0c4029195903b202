import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INTEGER, MIN_INTEGER } from '../../src/http/schemas.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, expectNothingWritten, makeGroup, makePat, makeUser, setRole } from '../support/factories.js';
import { recordDeclaredRoutes } from '../support/declared-routes.js';
import { client, createHarness, type Harness } from '../support/harness.js';

/**
 * Issue 14, item 1: every integer parameter of every route (the hidden ones too: forward-auth,
 * introspection, Git, the web UI) is a bounded integer, and a number out of its bounds, a
 * fraction, an exponent or a hexadecimal is a 400 in Grape's words, never a query.
 *
 * Every route the app declares is seen as it is declared (test/support/declared-routes.ts).
 */
interface DeclaredRoute {
  url: string;
  method: string | string[];
  schema?: unknown;
}
// Every harness of this file declares them all again; the recording ends with the file.
const recording = recordDeclaredRoutes();
afterAll(() => recording.stop());
const declaredRoutes = (): DeclaredRoute[] => recording.routes();

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}
const REQUEST_PARTS = ['params', 'querystring', 'body', 'headers'] as const;

const isNumeric = (schema: JsonSchema) => [schema.type].flat().some((type) => type === 'integer' || type === 'number');

/** Each numeric schema in `schema`, at its path (`body.parent_id`, `querystring.scope[]`). */
function* numbersIn(schema: JsonSchema | undefined, at: string): Generator<[string, JsonSchema]> {
  if (!schema || typeof schema !== 'object') return;
  if (isNumeric(schema)) yield [at, schema];
  for (const [name, property] of Object.entries(schema.properties ?? {})) yield* numbersIn(property, `${at}.${name}`);
  yield* numbersIn(schema.items, `${at}[]`);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) yield* numbersIn(branch, at);
}

/** Bounded: an enum of integers, or a minimum and a maximum that the database's `integer` holds. */
function unbounded(schema: JsonSchema): boolean {
  if (schema.enum) return !schema.enum.every((value) => value === null || Number.isSafeInteger(value));
  return !(typeof schema.minimum === 'number' && typeof schema.maximum === 'number' && schema.minimum >= MIN_INTEGER && schema.maximum <= MAX_INTEGER);
}

const SENT_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);
const methodsOf = (route: DeclaredRoute) => [route.method].flat().filter((method) => SENT_METHODS.has(method));
const partOf = (route: DeclaredRoute, part: (typeof REQUEST_PARTS)[number]) => (route.schema as Record<string, JsonSchema> | undefined)?.[part];

/** The integer path and query parameters of every declared route, each with the route's URL and a method it takes. */
function integerParameters(): { method: string; url: string; part: 'params' | 'querystring'; name: string; schema: JsonSchema }[] {
  return declaredRoutes().flatMap((route) =>
    methodsOf(route).flatMap((method) =>
      (['params', 'querystring'] as const).flatMap((part) =>
        Object.entries(partOf(route, part)?.properties ?? {})
          .filter(([, schema]) => isNumeric(schema))
          .map(([name, schema]) => ({ method, url: route.url, part, name, schema })),
      ),
    ),
  );
}

/** Text that is no integer of its bounds, with the words Grape uses for it. */
const OUT_OF_BOUNDS = ['1.5', '-1', '9999999999999', '2147483648', '1e3', '1E2', '0x10', '1.0', '%201', 'Infinity', ''];
const TYPE_ERRORS = new Set(['1.5', '1e3', '1E2', '0x10', '1.0', '%201', 'Infinity', '']);

describe('integer parameters of every route are bounded', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sqlite');
  });
  afterAll(() => h.close());

  it('each has a minimum and a maximum (or is an enum), within what the database holds', () => {
    // The hook saw every route: the API, and the hidden ones.
    const urls = declaredRoutes().map((route) => route.url);
    expect(urls).toEqual(expect.arrayContaining(['/api/v4/users/:id', '/-/forward-auth', '/api/v4/audit_events/:id']));
    const unboundedParameters = declaredRoutes().flatMap((route) =>
      REQUEST_PARTS.flatMap((part) =>
        [...numbersIn(partOf(route, part), part)].filter(([, schema]) => unbounded(schema)).map(([at]) => `${methodsOf(route).join(',')} ${route.url} ${at}`),
      ),
    );
    expect(unboundedParameters).toEqual([]);
    expect(integerParameters().length).toBeGreaterThan(20);
  });
});

describe.each(TEST_DIALECTS)('numbers out of bounds are refused in GitLab words (%s)', (dialect) => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness(dialect);
    admin = (await makePat(h, h.root)).token;
  });
  afterAll(() => h.close());

  it('every integer path and query parameter: a fraction, a negative, a huge value, an exponent or a hexadecimal is a 400', async () => {
    for (const { method, url, part, name, schema } of integerParameters()) {
      for (const value of OUT_OF_BOUNDS) {
        // Validation comes before the handler: the other parameters need only be well formed.
        const path = url.replace(/:(\w+)/g, (_m, param: string) => (part === 'params' && param === name ? value : '1')).replace(/\*$/, '');
        const res = await h.app.inject({
          method: method as 'GET',
          url: part === 'params' ? path : `${path}?${name}=${value}`,
          headers: { 'private-token': admin },
          ...(method === 'POST' || method === 'PUT' ? { payload: {} } : {}),
        });
        const words = schema.enum && !TYPE_ERRORS.has(value) ? 'does not have a valid value' : 'is invalid';
        expect({ status: res.statusCode, body: res.json() }, `${method} ${url} ${name}=${value}`).toEqual({ status: 400, body: { error: `${name} ${words}` } });
      }
    }
  });

  it('the bounds themselves are taken: the largest id is looked up, the largest page and page size are served', async () => {
    const api = client(h, admin);
    expect((await api.get(`/api/v4/users/${MAX_INTEGER}`)).json()).toEqual({ message: '404 User Not Found' });
    expect((await api.get(`/api/v4/personal_access_tokens/${MAX_INTEGER}`)).statusCode).toBe(404);
    expect((await api.get(`/api/v4/audit_events/${MAX_INTEGER}`)).statusCode).toBe(404);
    expect((await api.get(`/api/v4/personal_access_tokens?user_id=${MAX_INTEGER}`)).json()).toEqual([]);
    expect((await api.get(`/api/v4/audit_events?entity_type=User&entity_id=${MAX_INTEGER}`)).json()).toEqual([]);
    const lastPage = await api.get(`/api/v4/users?page=10000000&per_page=${MAX_INTEGER}`);
    expect([lastPage.statusCode, lastPage.headers['x-per-page'], lastPage.json()]).toEqual([200, '100', []]);
    // Digits with a sign, as Ruby's Integer() reads them.
    expect((await api.get('/api/v4/users/+1')).json()).toMatchObject({ id: h.root.id });
  });

  it('body fields: JSON numbers and texts out of bounds are refused, and nothing is written', async () => {
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    const candidate = await makeUser(h);
    await setRole(h, { group }, owner, AccessLevel.OWNER);
    const cases: [string, string, (value: unknown) => Record<string, unknown>, string][] = [
      ['POST', '/api/v4/groups', (value) => ({ name: 'Bounded', path: 'bounded', parent_id: value }), 'parent_id'],
      ['POST', `/api/v4/groups/${group.id}/members`, (value) => ({ user_id: value, access_level: 30 }), 'user_id'],
      ['POST', `/api/v4/groups/${group.id}/members`, (value) => ({ user_id: candidate.id, access_level: value }), 'access_level'],
      ['PUT', '/api/v4/application/settings', (value) => ({ max_personal_access_token_lifetime: value }), 'max_personal_access_token_lifetime'],
    ];
    for (const [method, url, body, name] of cases) {
      for (const value of [1.5, 9999999999999, -2147483649, '1e3', '0x10', '1.0', '9999999999999', [1, 2], {}]) {
        const res = await expectNothingWritten(h, () => h.app.inject({ method: method as 'POST', url, headers: { 'private-token': admin }, payload: body(value) }));
        // An integer (or its digits) outside the enum is not one of its values; anything else is no integer.
        const enumerated = name === 'access_level' && /^-?\d+$/.test(String(value));
        expect({ status: res.statusCode, body: res.json() }, `${method} ${url} ${name}=${JSON.stringify(value)}`).toEqual({
          status: 400,
          body: { error: `${name} ${enumerated ? 'does not have a valid value' : 'is invalid'}` },
        });
      }
    }
  });

  it('form bodies are text: an exponent or a fraction in an integer field is refused', async () => {
    for (const value of ['1e3', '1.0', '0x1', '-0x1', '1%2E5']) {
      const res = await expectNothingWritten(h, () =>
        h.app.inject({
          method: 'POST',
          url: '/api/v4/groups',
          headers: { 'private-token': admin, 'content-type': 'application/x-www-form-urlencoded' },
          payload: `name=Form&path=form&parent_id=${value}`,
        }),
      );
      expect({ status: res.statusCode, body: res.json() }, value).toEqual({ status: 400, body: { error: 'parent_id is invalid' } });
    }
  });

  it('a setting in the bounds of the database but not of the setting gets the setting\'s own message', async () => {
    const res = await client(h, admin).put('/api/v4/application/settings', { max_personal_access_token_lifetime: -1 });
    expect(res.json()).toEqual({ message: '400 Bad request - Max personal access token lifetime must be an integer between 1 and 400' });
  });
});
