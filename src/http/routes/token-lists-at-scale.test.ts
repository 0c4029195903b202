import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { insertResourceTokensInBulk } from '../../../test/support/bulk-tokens.js';
import { makeGroup, makePat, makeProject } from '../../../test/support/factories.js';
import { client, createHarness, type Harness, type Response } from '../../../test/support/harness.js';
import type { GroupRow, ProjectRow } from '../../store/schema.js';

/**
 * Issue 11 item 7: a resource with more tokens than GitLab counts. GitLab's offset pagination
 * omits X-Total, X-Total-Pages and the `rel="last"` link when a list has more than 10,000 records
 * (REST API docs, "Pagination"); the other headers and links stay. Small lists keep every header
 * (resource-access-tokens.test.ts and the other list tests).
 */

/** More than 10,000 tokens, and more than 10,000 active ones too (every tenth is revoked). */
const TOKENS = 12_000;
const ACTIVE = TOKENS - TOKENS / 10;
const nameOf = (n: number) => `token-${String(n).padStart(6, '0')}`;

function expectUncounted(response: Response): void {
  expect(response.statusCode).toBe(200);
  expect(response.headers['x-total']).toBeUndefined();
  expect(response.headers['x-total-pages']).toBeUndefined();
  expect(String(response.headers.link)).not.toContain('rel="last"');
  expect(String(response.headers.link)).toContain('rel="first"');
}

describe.each(TEST_DIALECTS)('token lists of more than 10,000 records (%s)', (dialect) => {
  let h: Harness;
  let group: GroupRow;
  let project: ProjectRow;
  let api: ReturnType<typeof client>;
  const groupTokens = (query: string) => api.get(`/api/v4/groups/${group.id}/access_tokens?${query}`);

  beforeAll(async () => {
    h = await createHarness(dialect);
    group = await makeGroup(h, h.root);
    project = await makeProject(h, group);
    await insertResourceTokensInBulk(h.ctx, group, { count: TOKENS });
    await insertResourceTokensInBulk(h.ctx, project, { count: TOKENS });
    api = client(h, (await makePat(h, h.root)).token);
  }, 120_000);
  afterAll(() => h?.close());

  it('lists the first page without X-Total, X-Total-Pages and rel="last" (GitLab omits them beyond 10,000 records), with its next page', async () => {
    const response = await groupTokens('per_page=100');
    expectUncounted(response);
    const tokens = response.json<Array<{ name: string; access_level: number; resource_id: number }>>();
    expect(tokens.map((t) => t.name)).toEqual(Array.from({ length: 100 }, (_, i) => nameOf(i)));
    expect(tokens.every((t) => t.access_level === 40 && t.resource_id === group.id)).toBe(true);
    expect(response.headers['x-page']).toBe('1');
    expect(response.headers['x-next-page']).toBe('2');
    expect(response.headers['x-prev-page']).toBe('');
    expect(String(response.headers.link)).toContain('rel="next"');
  });

  it('lists a project\'s tokens the same way (GitLab omits the totals beyond 10,000 records)', async () => {
    const response = await api.get(`/api/v4/projects/${project.id}/access_tokens?per_page=20&page=2`);
    expectUncounted(response);
    expect(response.json<Array<{ name: string; resource_type: string }>>().map((t) => t.name)).toEqual(Array.from({ length: 20 }, (_, i) => nameOf(20 + i)));
    expect(response.headers['x-next-page']).toBe('3');
  });

  it('knows past 10,000 records whether a page follows: the last page has none (GitLab\'s pagination without count)', async () => {
    const beforeLast = await groupTokens(`per_page=100&page=${TOKENS / 100 - 1}`);
    expectUncounted(beforeLast);
    expect(beforeLast.headers['x-next-page']).toBe(String(TOKENS / 100));
    const last = await groupTokens(`per_page=100&page=${TOKENS / 100}`);
    expect(last.statusCode).toBe(200);
    expect(last.json<Array<{ name: string }>>().map((t) => t.name).at(-1)).toBe(nameOf(TOKENS - 1));
    expect(last.headers['x-next-page']).toBe('');
    expect(last.headers['x-prev-page']).toBe(String(TOKENS / 100 - 1));
    expect(String(last.headers.link)).not.toContain('rel="next"');
  });

  it('filters by state=active beyond 10,000 active records without the totals (GitLab omits them beyond 10,000 records)', async () => {
    const response = await groupTokens('state=active&per_page=100');
    expectUncounted(response);
    const tokens = response.json<Array<{ name: string; active: boolean; revoked: boolean }>>();
    expect(tokens).toHaveLength(100);
    expect(tokens.every((t) => t.active && !t.revoked)).toBe(true);
    expect(tokens.slice(0, 10).map((t) => t.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10].map(nameOf));
    const inactive = await groupTokens('state=inactive&per_page=100');
    expect(inactive.headers['x-total']).toBe(String(TOKENS - ACTIVE));
    expect(String(inactive.headers.link)).toContain('rel="last"');
  });

  it('searches among them: a search matching few records is counted, one matching all is not (GitLab counts up to 10,000 records)', async () => {
    const few = await groupTokens(`search=${nameOf(11_999).slice(0, -1)}`);
    expect(few.statusCode).toBe(200);
    expect(few.json<Array<{ name: string }>>().map((t) => t.name)).toEqual(Array.from({ length: 10 }, (_, i) => nameOf(11_990 + i)));
    expect(few.headers['x-total']).toBe('10');
    expect(few.headers['x-total-pages']).toBe('1');
    expect(String(few.headers.link)).toContain('rel="last"');
    // Found through the trigram index (migration 0013) as through a scan: case-insensitive, and a
    // LIKE wildcard in the query is a literal character.
    const upper = await groupTokens(`search=${nameOf(11_999).slice(0, -1).toUpperCase()}`);
    expect(upper.json<Array<{ name: string }>>().map((t) => t.name)).toEqual(few.json<Array<{ name: string }>>().map((t) => t.name));
    expect((await groupTokens(`search=${nameOf(11_999).slice(0, -1).replace('-', '_')}`)).json()).toEqual([]);
    expectUncounted(await groupTokens('search=token'));
  });

  it('sorts them: name_desc starts with the last name (GitLab omits the totals beyond 10,000 records)', async () => {
    const response = await groupTokens('sort=name_desc&per_page=5');
    expectUncounted(response);
    expect(response.json<Array<{ name: string }>>().map((t) => t.name)).toEqual([11_999, 11_998, 11_997, 11_996, 11_995].map(nameOf));
  });
});
