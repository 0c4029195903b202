import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { client, createHarness, TEST_EXTERNAL_URL, type Harness } from '../support/harness.js';
import { consoleCallerAs } from '../../src/services/caller.js';
import { openIssue } from '../../src/services/issues.js';
import { resolveProject } from '../../src/services/projects.js';

const ITEMS = 5;

/** `<url>; rel="x"` entries of a Link header, by rel. */
function parseLink(header: string | undefined): Record<string, URL> {
  const links: Record<string, URL> = {};
  for (const part of (header ?? '').split(', ')) {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (match) links[match[2]!] = new URL(match[1]!);
  }
  return links;
}

describe.each(TEST_DIALECTS)('§2.1 offset pagination on every list (%s)', (dialect) => {
  let h: Harness;
  let token: string;
  const lists: string[] = [];
  beforeAll(async () => {
    h = await createHarness(dialect);
    token = (await makePat(h, h.root)).token;
    for (let i = 1; i < ITEMS; i++) await makePat(h, h.root, { name: `extra ${i}` });
    const group = await makeGroup(h, h.root, { path: 'paged' });
    for (let i = 0; i < ITEMS; i++) {
      await makeGroup(h, h.root, { path: `child-${i}`, parent: group });
      await makeProject(h, group, { path: `project-${i}` });
      await setRole(h, { group }, await makeUser(h), AccessLevel.REPORTER);
    }
    const project = await makeProject(h, group, { path: 'with-issues' });
    for (let i = 0; i < ITEMS; i++) await setRole(h, { project }, await makeUser(h), AccessLevel.GUEST);
    const resolved = await resolveProject(h.ctx.database.db, consoleCallerAs(h.root), String(project.id));
    if (!resolved.ok) throw new Error('no project');
    for (let i = 0; i < ITEMS; i++) await openIssue(h.ctx, consoleCallerAs(h.root), String(resolved.value.project.id), { title: `issue ${i}` });
    lists.push(
      '/api/v4/users',
      '/api/v4/personal_access_tokens',
      '/api/v4/groups',
      `/api/v4/groups/${group.id}/subgroups`,
      '/api/v4/groups/paged/projects',
      `/api/v4/groups/${group.id}/members`,
      `/api/v4/groups/${group.id}/members/all`,
      '/api/v4/projects',
      `/api/v4/projects/${project.id}/issues`,
      `/api/v4/projects/${project.id}/members`,
      `/api/v4/projects/${project.id}/members/all`,
    );
  });
  afterAll(() => h.close());

  it('X-Page, X-Per-Page, X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages, and an absolute Link that keeps the query but never private_token', async () => {
    for (const path of lists) {
      const total = (await client(h, token).get(`${path}?per_page=100`)).json().length as number;
      expect(total, path).toBeGreaterThanOrEqual(ITEMS);
      const totalPages = Math.ceil(total / 2);
      // The token travels in the query here: it must not come back in the links.
      const res = await client(h).get(`${path}?per_page=2&page=2&keep=me&private_token=${encodeURIComponent(token)}`);
      expect(res.statusCode, path).toBe(200);
      expect(res.json(), path).toHaveLength(2);
      expect(res.headers, path).toMatchObject({
        'x-page': '2',
        'x-per-page': '2',
        'x-prev-page': '1',
        'x-next-page': '3',
        'x-total': String(total),
        'x-total-pages': String(totalPages),
      });
      const link = res.headers.link as string;
      expect(link, path).not.toContain('private_token');
      expect(link, path).not.toContain(token);
      const links = parseLink(link);
      expect(Object.keys(links).sort(), path).toEqual(['first', 'last', 'next', 'prev']);
      for (const [rel, url] of Object.entries(links)) {
        expect(`${url.origin}${url.pathname}`, `${path} ${rel}`).toBe(`${TEST_EXTERNAL_URL}${path}`);
        expect(url.searchParams.get('keep'), `${path} ${rel}`).toBe('me');
        expect(url.searchParams.get('per_page'), `${path} ${rel}`).toBe('2');
      }
      expect(links.prev!.searchParams.get('page')).toBe('1');
      expect(links.next!.searchParams.get('page')).toBe('3');
      expect(links.first!.searchParams.get('page')).toBe('1');
      expect(links.last!.searchParams.get('page')).toBe(String(totalPages));
    }
  });

  it('the first page has no prev; the last has no next; following next links walks every item exactly once', async () => {
    for (const path of lists) {
      const seen: unknown[] = [];
      let url: string | null = `${path}?per_page=2`;
      let pages = 0;
      while (url !== null) {
        const res = await client(h, token).get(url);
        const links = parseLink(res.headers.link as string);
        if (pages === 0) {
          expect(res.headers['x-prev-page'], path).toBe('');
          expect(links.prev, path).toBeUndefined();
        }
        seen.push(...(res.json() as { id: number }[]).map((item) => item.id));
        url = links.next ? `${links.next.pathname}${links.next.search}` : null;
        if (url === null) expect(res.headers['x-next-page'], path).toBe('');
        pages++;
      }
      expect(pages, path).toBe(Number((await client(h, token).get(`${path}?per_page=2`)).headers['x-total-pages']));
      expect(new Set(seen).size, path).toBe(seen.length);
      expect(seen.length, path).toBe((await client(h, token).get(`${path}?per_page=100`)).json().length);
    }
  });

  it('per_page is capped at 100 and defaults to 20; bad page values are 400', async () => {
    for (const path of lists) {
      expect((await client(h, token).get(`${path}?per_page=1000`)).headers['x-per-page'], path).toBe('100');
      expect((await client(h, token).get(path)).headers['x-per-page'], path).toBe('20');
      for (const query of ['page=0', 'page=abc', 'per_page=0', 'per_page=-5']) {
        const res = await client(h, token).get(`${path}?${query}`);
        expect(res.statusCode, `${path}?${query}`).toBe(400);
        expect(res.json().error, `${path}?${query}`).toMatch(/^(page|per_page) is invalid$/);
      }
    }
  });
});
