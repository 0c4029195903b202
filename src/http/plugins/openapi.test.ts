import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../../test/support/harness.js';

/** Every endpoint the platform and group-access-token issues name, as OpenAPI paths. */
const REQUIRED = [
  'get /api/v4/version',
  'get /api/v4/metadata',
  'get /api/v4/user',
  'get /api/v4/users',
  'post /api/v4/users',
  'get /api/v4/users/{id}',
  'post /api/v4/users/{id}/personal_access_tokens',
  'get /api/v4/personal_access_tokens',
  'get /api/v4/personal_access_tokens/self',
  'delete /api/v4/personal_access_tokens/self',
  'post /api/v4/personal_access_tokens/self/rotate',
  'get /api/v4/personal_access_tokens/{id}',
  'delete /api/v4/personal_access_tokens/{id}',
  'post /api/v4/personal_access_tokens/{id}/rotate',
  'get /api/v4/groups',
  'post /api/v4/groups',
  'get /api/v4/groups/{id}',
  'put /api/v4/groups/{id}',
  'delete /api/v4/groups/{id}',
  'get /api/v4/groups/{id}/subgroups',
  'get /api/v4/groups/{id}/projects',
  'get /api/v4/groups/{id}/members',
  'post /api/v4/groups/{id}/members',
  'get /api/v4/groups/{id}/members/all',
  'put /api/v4/groups/{id}/members/{user_id}',
  'delete /api/v4/groups/{id}/members/{user_id}',
  'get /api/v4/projects',
  'post /api/v4/projects',
  'get /api/v4/projects/{id}',
  'get /api/v4/projects/{id}/issues',
  'post /api/v4/projects/{id}/issues',
  'get /api/v4/projects/{id}/issues/{iid}',
  'get /api/v4/application/settings',
  'put /api/v4/application/settings',
  'get /api/v4/groups/{id}/access_tokens',
  'post /api/v4/groups/{id}/access_tokens',
  'get /api/v4/groups/{id}/access_tokens/self',
  'get /api/v4/groups/{id}/access_tokens/{token_id}',
  'delete /api/v4/groups/{id}/access_tokens/{token_id}',
  'post /api/v4/groups/{id}/access_tokens/{token_id}/rotate',
  'post /api/v4/groups/{id}/access_tokens/self/rotate',
  'get /api/v4/groups/{id}/audit_events',
];

interface Operation {
  tags?: string[];
  summary?: string;
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** Every `$ref` in a part of the document. */
function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => refsIn(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('the OpenAPI document at /api/v4/openapi.json', () => {
  let h: Harness;
  let operations: Map<string, Operation>;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  beforeAll(async () => {
    h = await createHarness('sqlite');
    const res = await h.app.inject({ method: 'GET', url: '/api/v4/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    operations = new Map(Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method} ${path}`, op] as const)));
  });
  afterAll(() => h.close());

  it('covers every endpoint of the platform and group access token issues, each tagged and summarised', () => {
    const missing = REQUIRED.filter((key) => !operations.has(key));
    expect(missing).toEqual([]);
    for (const key of REQUIRED) {
      expect(operations.get(key)!.tags?.length, key).toBeGreaterThan(0);
      expect(operations.get(key)!.summary, key).toBeTruthy();
    }
  });

  it('gives every operation a response schema for its success and for its errors', () => {
    const hasSchema = (response: Operation['responses'][string]) => Object.values(response.content ?? {}).some((media) => media.schema);
    const problems = [...operations].flatMap(([key, op]) => {
      const statuses = Object.keys(op.responses);
      const successes = statuses.filter((s) => /^2/.test(s));
      const errors = statuses.filter((s) => /^[45]/.test(s));
      return [
        ...(successes.length === 0 ? [`${key}: no success response`] : []),
        // A 204 has no body; every other answer says what its body is.
        ...successes.filter((s) => s !== '204' && !hasSchema(op.responses[s]!)).map((s) => `${key}: ${s} without a schema`),
        ...(errors.length === 0 ? [`${key}: no error response`] : []),
        ...errors.filter((s) => !hasSchema(op.responses[s]!)).map((s) => `${key}: ${s} without a schema`),
        ...statuses.filter((s) => !op.responses[s]!.description || op.responses[s]!.description === 'Default Response').map((s) => `${key}: ${s} without a description`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('names the entities under components.schemas, and every reference resolves', () => {
    const names = Object.keys(doc.components.schemas);
    for (const name of ['GroupAccessToken', 'GroupAccessTokenWithToken', 'PersonalAccessToken', 'User', 'UserBasic', 'Group', 'Project', 'Member', 'ApplicationSettings', 'GitLabError']) {
      expect(names).toContain(name);
    }
    expect(names.filter((name) => /^def-\d+$/.test(name)), 'schemas without an $id of their own').toEqual([]);
    const dangling = refsIn(doc).filter((ref) => !(ref.startsWith('#/components/schemas/') && names.includes(ref.slice('#/components/schemas/'.length))));
    expect(dangling).toEqual([]);
  });

  it('gives every request body an example', () => {
    const withoutExample = [...operations]
      .filter(([, op]) => op.requestBody)
      .filter(([, op]) => Object.values(op.requestBody!.content).every((c) => c.example === undefined && c.examples === undefined))
      .map(([key]) => key);
    expect(withoutExample).toEqual([]);
  });
});
