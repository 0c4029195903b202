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
}

describe('the OpenAPI document at /api/v4/openapi.json', () => {
  let h: Harness;
  let operations: Map<string, Operation>;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    const res = await h.app.inject({ method: 'GET', url: '/api/v4/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>> };
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

  it('gives every request body an example', () => {
    const withoutExample = [...operations]
      .filter(([, op]) => op.requestBody)
      .filter(([, op]) => Object.values(op.requestBody!.content).every((c) => c.example === undefined && c.examples === undefined))
      .map(([key]) => key);
    expect(withoutExample).toEqual([]);
  });
});
