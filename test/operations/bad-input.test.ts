import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole, snapshot } from '../support/factories.js';
import { client, createHarness, type Harness, type Response } from '../support/harness.js';

/**
 * §2.0 and the platform issue: every route of the platform, read from the OpenAPI document (so a
 * new route is covered without touching this file), gets hostile input in each of its path
 * parameters, query parameters and body fields, and a hostile body as a whole. No answer may be
 * a 500; every refusal is a 4xx in GitLab's shape ({"message"} or {"error"}) and writes nothing.
 */
const PLATFORM_TAGS = new Set(['metadata', 'users', 'personal access tokens', 'groups', 'group members', 'projects', 'project members', 'issues', 'application settings']);

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
}

function operationsOf(h: Harness): Operation[] {
  const doc = h.app.swagger() as {
    paths: Record<string, Record<string, { tags?: string[]; parameters?: { in: string; name: string; schema: JsonSchema }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  };
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      if (!op.tags?.some((tag) => PLATFORM_TAGS.has(tag))) continue;
      const parameters = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: op.requestBody?.content['application/json']?.schema ?? null,
      });
    }
  }
  return operations;
}

const isType = (schema: JsonSchema, type: string) => schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));
const LONG = 'x'.repeat(5000);
const HOSTILE_PATH_STRINGS = ['0', '-1', '99999999999999999999', 'no%2Fsuch%2Fthing', '%00', '%2F%2F', '..%2F..', 'x'.repeat(1000), '%20'];
const HOSTILE_PATH_INTEGERS = ['abc', '0', '-1', '1.5', '1e3', '99999999999999999999', '2147483648', '%00'];
const HOSTILE_QUERY = (schema: JsonSchema): string[] =>
  isType(schema, 'integer')
    ? ['abc', '-1', '0', '1.5', '2147483648', '']
    : isType(schema, 'boolean')
      ? ['maybe', '2', '']
      : schema.enum
        ? ['nope', '']
        : ['', LONG, '%00', '%25', "'%20or%201=1%20--", '%E2%82%28'];
const HOSTILE_FIELDS: unknown[] = [null, true, 12345678901234567890, -1, 1.5, '', LONG, 'nul\u0000byte', {}, [], [{}], ['x', LONG], "' or 1=1 --"];
const HOSTILE_BODIES: string[] = ['{"unterminated":', 'null', '[]', '"text"', '123', '['.repeat(10000) + ']'.repeat(10000), '{"__proto__":{"isAdmin":true}}'];

/** Each sweep sends every route of the OpenAPI document its cases: its time grows with the API. */
const SWEEP_TIMEOUT_MS = 120_000;

describe.each(TEST_DIALECTS)('hostile input on every platform route (%s)', (dialect) => {
  let h: Harness;
  let adminToken: string;
  let operations: Operation[];
  const validPath: Record<string, Record<string, string>> = {};
  const validBody: Record<string, Record<string, unknown>> = {};
  beforeAll(async () => {
    h = await createHarness(dialect);
    adminToken = (await makePat(h, h.root)).token;
    operations = operationsOf(h);
    const user = await makeUser(h);
    const group = await makeGroup(h, h.root, { path: 'fuzzed' });
    await setRole(h, { group }, user, AccessLevel.DEVELOPER);
    const project = await makeProject(h, group, { path: 'fuzzed-project' });
    const token = await makePat(h, user);
    const candidate = await makeUser(h);
    const resources: Record<string, string> = {
      users: String(user.id),
      personal_access_tokens: String(token.id),
      groups: String(group.id),
      projects: String(project.id),
    };
    for (const op of operations) {
      const key = `${op.method} ${op.path}`;
      const resource = op.path.split('/')[3]!;
      validPath[key] = { id: resources[resource] ?? '1', user_id: String(user.id), iid: '1' };
    }
    Object.assign(validBody, {
      'POST /api/v4/users': { username: 'fuzz_user', email: 'fuzz@example.com', name: 'Fuzz' },
      'POST /api/v4/users/{id}/personal_access_tokens': { name: 'fuzz', scopes: ['api'] },
      'POST /api/v4/groups': { name: 'Fuzz', path: 'fuzz-group' },
      'POST /api/v4/groups/{id}/members': { user_id: candidate.id, access_level: 30 },
      'PUT /api/v4/groups/{id}/members/{user_id}': { access_level: 30 },
      'POST /api/v4/projects/{id}/members': { user_id: candidate.id, access_level: 30 },
      'PUT /api/v4/projects/{id}/members/{user_id}': { access_level: 30 },
      'POST /api/v4/projects': { name: 'Fuzz', namespace_id: group.id },
      'POST /api/v4/projects/{id}/issues': { title: 'Fuzz' },
    });
  });
  afterAll(() => h.close());

  /** "self" routes act on the token that calls them: each call to one gets a token of its own. */
  const tokenFor = async (op: Operation) => (op.path.includes('/self') ? (await makePat(h, h.root)).token : adminToken);

  let current: Awaited<ReturnType<typeof snapshot>> | null = null;
  /** Sends one request and holds the answer to the rules; `what` names the input in failures. */
  async function check(op: Operation, what: string, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const token = await tokenFor(op);
    if (token !== adminToken || current === null) current = await snapshot(h);
    const res = (await h.app.inject({
      method: op.method,
      url,
      headers: { 'private-token': token, ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    })) as Response;
    const label = `${op.method} ${op.path} with ${what}: ${res.statusCode} ${res.body.slice(0, 200)}`;
    expect(res.statusCode, label).toBeLessThan(500);
    if (res.statusCode >= 400) {
      const body = res.json();
      expect(typeof body.message === 'string' || typeof body.error === 'string', label).toBe(true);
      expect(await snapshot(h), label).toEqual(current);
    } else {
      current = await snapshot(h);
    }
  }

  const urlOf = (op: Operation, params: Record<string, string>, query = '') =>
    op.path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name]!) + (query ? `?${query}` : '');

  it('path parameters: wrong types, out-of-range and malformed ids, unknown paths', async () => {
    for (const op of operations) {
      for (const param of op.pathParams) {
        const values = isType(param.schema, 'integer') ? HOSTILE_PATH_INTEGERS : HOSTILE_PATH_STRINGS;
        for (const value of values) {
          const params = { ...validPath[`${op.method} ${op.path}`], [param.name]: value };
          await check(op, `${param.name}=${value.slice(0, 40)}`, urlOf(op, params), op.body ? validBody[`${op.method} ${op.path}`] ?? {} : undefined);
        }
      }
    }
  });

  it('query parameters: wrong types, unknown enum values, oversized and malformed strings', async () => {
    for (const op of operations) {
      for (const param of op.queryParams) {
        for (const value of HOSTILE_QUERY(param.schema)) {
          await check(op, `?${param.name}=${value.slice(0, 40)}`, urlOf(op, validPath[`${op.method} ${op.path}`]!, `${param.name}=${value}`));
        }
      }
    }
  });

  it('body fields: wrong types, nulls, oversized strings, NUL bytes, nested values', async () => {
    for (const op of operations.filter((o) => o.body)) {
      const base = validBody[`${op.method} ${op.path}`] ?? {};
      for (const field of Object.keys(op.body!.properties ?? {})) {
        for (const value of HOSTILE_FIELDS) {
          await check(op, `${field}=${JSON.stringify(value)?.slice(0, 40)}`, urlOf(op, validPath[`${op.method} ${op.path}`]!), { ...base, [field]: value });
        }
      }
    }
  });

  it('whole bodies: malformed JSON, JSON that is not an object, deep nesting, a form body of the wrong kind', async () => {
    for (const op of operations.filter((o) => o.method === 'POST' || o.method === 'PUT')) {
      const url = urlOf(op, validPath[`${op.method} ${op.path}`]!);
      for (const body of HOSTILE_BODIES) await check(op, `body ${body.slice(0, 30)}`, url, body, { 'content-type': 'application/json' });
      await check(op, 'a text/plain body', url, 'name=x', { 'content-type': 'text/plain' });
      await check(op, 'an oversized body', url, JSON.stringify({ name: 'x'.repeat(2_000_000) }), { 'content-type': 'application/json' });
    }
  });

  it('an empty body with a JSON content type means no parameters, as no body at all does', async () => {
    for (const op of operations.filter((o) => o.method === 'POST' || o.method === 'PUT')) {
      const url = urlOf(op, validPath[`${op.method} ${op.path}`]!);
      const empty = await client(h, await tokenFor(op))[op.method === 'POST' ? 'post' : 'put'](url, '', { 'content-type': 'application/json' });
      const none = await h.app.inject({ method: op.method, url, headers: { 'private-token': await tokenFor(op) } });
      if (empty.statusCode >= 400) {
        expect(none.statusCode, `${op.method} ${op.path}`).toBe(empty.statusCode);
        expect(none.json(), `${op.method} ${op.path}`).toEqual(empty.json());
      }
      expect(empty.statusCode, `${op.method} ${op.path}: ${empty.body}`).toBeLessThan(500);
      if (op.body?.required?.length) expect(empty.json(), `${op.method} ${op.path}`).toEqual({ error: `${op.body.required[0]} is missing` });
    }
  });
}, SWEEP_TIMEOUT_MS);
