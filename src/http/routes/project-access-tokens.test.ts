import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole, expectNothingWritten as expectNothingWrittenIn } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { ResourceKind } from '../../domain/bot-users.js';
import { runExpiringTokens } from '../../services/expiring-tokens.js';
import '../../store/schema-lifecycle.js';
import { findMember } from '../../store/repositories/groups.js';
import { findUserById } from '../../store/repositories/users.js';
import type { GroupRow, ProjectRow, UserRow } from '../../store/schema.js';

/**
 * Project access tokens (docs/gitlab-compatibility.md §10, GITLAB-BEHAVIOR §10): first what groups
 * and projects share beyond GitLab's request spec, run for both kinds (one machinery, GitLab's
 * `resource_access_tokens.rb`); then each difference of §10, one test each, named after it. The
 * request spec's cases (§8) run for both kinds in resource-access-tokens.test.ts.
 */

const NOW = '2026-06-15T12:00:00.000Z';
const IN_ONE_WEEK = '2026-06-22';

/** A resource of either kind, with the user who manages its tokens (group Owner / project Maintainer). */
interface Resource {
  kind: ResourceKind;
  id: number;
  group: GroupRow;
  project: ProjectRow | null;
  url(rest?: string): string;
  manager: UserRow;
  managerPat: string;
}

describe.each(TEST_DIALECTS)('resource access tokens API (%s)', (dialect) => {
  let h: Harness;
  let rootPat: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    rootPat = (await makePat(h, h.root)).token;
  });
  afterAll(() => h.close());

  const api = (token?: string) => client(h, token);
  const tokensUrl = (kind: ResourceKind, id: number | string, rest = '') => `/api/v4/${kind}s/${id}/access_tokens${rest}`;

  /** A fresh private group (and for projects, a private project in it managed by a direct Maintainer). */
  async function makeResource(kind: ResourceKind, options: { group?: GroupRow } = {}): Promise<Resource> {
    const groupOwner = await makeUser(h);
    const group = options.group ?? (await makeGroup(h, groupOwner));
    if (kind === 'group') {
      return { kind, id: group.id, group, project: null, url: (rest = '') => tokensUrl(kind, group.id, rest), manager: groupOwner, managerPat: (await makePat(h, groupOwner)).token };
    }
    const project = await makeProject(h, group);
    const maintainer = await makeUser(h);
    await setRole(h, { project }, maintainer, AccessLevel.MAINTAINER);
    return { kind, id: project.id, group, project, url: (rest = '') => tokensUrl(kind, project.id, rest), manager: maintainer, managerPat: (await makePat(h, maintainer)).token };
  }

  async function memberOf(r: Resource, level: number, options: { admin?: boolean; scopes?: string[] } = {}) {
    const user = await makeUser(h, { admin: options.admin });
    if (level > 0) await setRole(h, r.project ? { project: r.project } : { group: r.group }, user, level);
    return { user, pat: (await makePat(h, user, { scopes: options.scopes })).token };
  }

  async function createToken(r: Resource, pat: string, body: Record<string, unknown> = {}) {
    const res = await api(pat).post(r.url(), { name: 'test', scopes: ['api'], ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const expectNothingWritten = <T>(request: () => Promise<T>) => expectNothingWrittenIn(h, request);

  const events = async (r: Resource) =>
    (
      await h.ctx.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('entity_type', '=', r.kind === 'group' ? 'Group' : 'Project')
        .where('entity_id', '=', r.id)
        .orderBy('id')
        .execute()
    ).map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> }));

  // ——— What both kinds share: one machinery, the same answers with the kind's words. ———
  describe.each(['group', 'project'] as const)('shared by group and project tokens: %s', (kind) => {
    const notFound = kind === 'group' ? '404 Group Not Found' : '404 Project Not Found';
    const tokenNotFound = `404 ${kind} Access Token Not Found`;

    it(`§2.1–§2.6 the lifecycle: create 201 with token, list, show, self, self-rotate, rotate by id, revoke 204 (resource_type "${kind}")`, async () => {
      const r = await makeResource(kind);
      const created = await createToken(r, r.managerPat, { name: 'ci', scopes: ['api', 'read_repository'], access_level: 30, description: 'deploys' });
      expect(created).toMatchObject({ name: 'ci', description: 'deploys', scopes: ['api', 'read_repository'], access_level: 30, resource_type: kind, resource_id: r.id, active: true });
      expect(created.token).toMatch(/^glpat-/);
      const bot = (await findUserById(h.ctx.database.db, created.user_id))!;
      expect(bot.username).toMatch(new RegExp(`^${kind}_${r.id}_bot_[0-9a-f]{32}$`));
      expect(bot.email).toBe(`${bot.username}@noreply.${new URL(h.ctx.config.externalUrl).host}`);

      const list = await api(r.managerPat).get(r.url());
      expect(list.statusCode).toBe(200);
      expect(list.headers['x-total']).toBe('1');
      expect(list.json().map((t: { id: number }) => t.id)).toEqual([created.id]);
      const { token: _plaintext, ...shown } = created;
      expect((await api(r.managerPat).get(r.url(`/${created.id}`))).json()).toEqual(shown);
      expect((await api(created.token).get(r.url('/self'))).json()).toEqual(shown);

      const selfRotated = await api(created.token).post(r.url('/self/rotate'));
      expect(selfRotated.statusCode).toBe(200);
      expect(selfRotated.json()).toMatchObject({ name: 'ci', user_id: bot.id, access_level: 30, resource_type: kind, resource_id: r.id, expires_at: IN_ONE_WEEK });
      const rotated = await api(r.managerPat).post(r.url(`/${selfRotated.json().id}/rotate`));
      expect(rotated.statusCode).toBe(200);
      expect((await api(r.managerPat).delete(r.url(`/${rotated.json().id}`))).statusCode).toBe(204);
      const all = (await api(r.managerPat).get(r.url())).json();
      expect(all.map((t: { active: boolean }) => t.active)).toEqual([false, false, false]);
      expect((await events(r)).map((e) => e.event_name)).toEqual([
        `${kind}_access_token_created`,
        `${kind}_access_token_rotated`,
        `${kind}_access_token_rotated`,
        `${kind}_access_token_deleted`,
      ]);
    });

    it('§2.1 filters and pagination: state, revoked, search, sort, per_page with GitLab’s headers', async () => {
      const r = await makeResource(kind);
      const a = await createToken(r, r.managerPat, { name: 'alpha' });
      const b = await createToken(r, r.managerPat, { name: 'beta' });
      const c = await createToken(r, r.managerPat, { name: 'alpha two' });
      expect((await api(r.managerPat).delete(r.url(`/${b.id}`))).statusCode).toBe(204);
      const ids = async (query: string) => (await api(r.managerPat).get(r.url(query))).json().map((t: { id: number }) => t.id);
      expect(await ids('?state=active')).toEqual([a.id, c.id]);
      expect(await ids('?state=inactive')).toEqual([b.id]);
      expect(await ids('?revoked=true')).toEqual([b.id]);
      expect(await ids('?search=alpha')).toEqual([a.id, c.id]);
      expect(await ids('?sort=name_desc')).toEqual([b.id, c.id, a.id]);
      const page = await api(r.managerPat).get(r.url('?per_page=2&page=2'));
      expect(page.json().map((t: { id: number }) => t.id)).toEqual([c.id]);
      expect(page.headers).toMatchObject({ 'x-total': '3', 'x-total-pages': '2', 'x-page': '2', 'x-per-page': '2', 'x-prev-page': '1' });
    });

    // The rest of the bad input (ids, paths, dates, levels, scopes, filters) is resource-access-tokens.test.ts's "bad input" block, run for both kinds.
    it(`T3, T13 and another ${kind}'s token: ${tokenNotFound}, GitLab's 400s, nothing written`, async () => {
      const r = await makeResource(kind);
      const other = await makeResource(kind);
      const otherToken = await createToken(other, other.managerPat);
      await expectNothingWritten(async () => {
        expect((await api(rootPat).post(tokensUrl(kind, 999999), { name: 'x', scopes: ['api'] })).json()).toEqual({ message: notFound });
        expect((await api(r.managerPat).get(r.url(`/${otherToken.id}`))).json()).toEqual({ message: tokenNotFound });
        expect((await api(r.managerPat).delete(r.url(`/${otherToken.id}`))).json()).toEqual({ message: tokenNotFound });
        const bad: [Record<string, unknown>, unknown][] = [
          [{ name: ' ', scopes: ['api'] }, { message: "400 Bad request - Name can't be blank" }],
          [{ name: 'x', scopes: [] }, { message: "400 Bad request - Scopes can't be blank" }],
          [{ name: 'x', scopes: ['api'], expires_at: '2099-01-01' }, { message: '400 Bad request - Expires at must be before 2027-06-15' }],
        ];
        for (const [body, answer] of bad) {
          const res = await api(r.managerPat).post(r.url(), body);
          expect(res.statusCode, JSON.stringify(body)).toBe(400);
          expect(res.json(), JSON.stringify(body)).toEqual(answer);
        }
      });
    });

    it('§2.5 self endpoints: a human PAT 405, a token of another resource of the same kind 401', async () => {
      const r = await makeResource(kind);
      const other = await makeResource(kind);
      const otherToken = await createToken(other, other.managerPat);
      expect((await api(r.managerPat).get(r.url('/self'))).statusCode).toBe(405);
      expect((await api(r.managerPat).post(r.url('/self/rotate'))).statusCode).toBe(405);
      // A resource it cannot see is 404 (before the token check); one it can see (public) is 401.
      expect((await api(otherToken.token).get(r.url('/self'))).statusCode).toBe(404);
      const db = h.ctx.database.db;
      if (r.project) await db.updateTable('projects').set({ visibility: 'public' }).where('id', '=', r.id).execute();
      else await db.updateTable('groups').set({ visibility: 'public' }).where('id', '=', r.id).execute();
      expect((await api(otherToken.token).get(r.url('/self'))).statusCode).toBe(401);
      expect((await api(otherToken.token).post(r.url('/self/rotate'))).statusCode).toBe(401);
    });
  });

  // ——— §10: each difference of project tokens, named after it. ———
  describe('§10 project access tokens: the differences', () => {
    const projectOf = () => makeResource('project');

    it('§10 a project Maintainer (direct or inherited) manages the tokens; a group Owner counts as project Owner and may create Owner-level (50) tokens', async () => {
      const r = await projectOf();
      const created = await createToken(r, r.managerPat, { access_level: 40 });
      expect(created).toMatchObject({ resource_type: 'project', resource_id: r.project!.id, access_level: 40 });
      const inherited = await makeUser(h);
      await setRole(h, { group: r.group }, inherited, AccessLevel.MAINTAINER);
      const inheritedPat = (await makePat(h, inherited)).token;
      expect((await api(inheritedPat).get(r.url())).statusCode).toBe(200);
      const groupOwner = await makeUser(h);
      await setRole(h, { group: r.group }, groupOwner, AccessLevel.OWNER);
      expect((await createToken(r, (await makePat(h, groupOwner)).token, { access_level: 50 })).access_level).toBe(50);
    });

    it('§10 a Maintainer rotating a Maintainer-level token: 200 (for groups the same call is 401)', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { access_level: 40 });
      const res = await api(r.managerPat).post(r.url(`/${token.id}/rotate`));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ access_level: 40, resource_type: 'project' });
    });

    it('§10 creating above one’s own role: 400 "Access level of the token contains permissions not held by the creating user", nothing but the audit event written', async () => {
      const r = await projectOf();
      const res = await api(r.managerPat).post(r.url(), { name: 'x', scopes: ['api'], access_level: 50 });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: '400 Bad request - Access level of the token contains permissions not held by the creating user' });
      expect((await events(r)).map((e) => e.event_name)).toEqual(['project_access_token_creation_failed']);
    });

    it('§10 rotating a token above one’s own role: 400 "Not eligible to rotate tokens with permissions not held by the user", the old token stays active; administrators bypass', async () => {
      const r = await projectOf();
      const groupOwner = await makeUser(h);
      await setRole(h, { group: r.group }, groupOwner, AccessLevel.OWNER);
      const ownerToken = await createToken(r, (await makePat(h, groupOwner)).token, { access_level: 50 });
      const res = await expectNothingWritten(() => api(r.managerPat).post(r.url(`/${ownerToken.id}/rotate`)));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: '400 Bad request - Not eligible to rotate tokens with permissions not held by the user' });
      expect((await api(ownerToken.token).get(`/api/v4/projects/${r.id}`)).statusCode).toBe(200);
      expect((await api(rootPat).post(r.url(`/${ownerToken.id}/rotate`))).statusCode).toBe(200);
    });

    it('§10 a Developer: list 401, show 401, rotate 401, create 400 "User does not have permission to create project access token", revoke 400 "<name> cannot delete <bot>" (unknown id: 404 first)', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { name: 'Deploy bot', access_level: 30 });
      const developer = await memberOf(r, AccessLevel.DEVELOPER);
      await expectNothingWritten(async () => {
        expect((await api(developer.pat).get(r.url())).statusCode).toBe(401);
        expect((await api(developer.pat).get(r.url(`/${token.id}`))).statusCode).toBe(401);
        expect((await api(developer.pat).post(r.url(`/${token.id}/rotate`))).statusCode).toBe(401);
        const revoke = await api(developer.pat).delete(r.url(`/${token.id}`));
        expect(revoke.statusCode).toBe(400);
        expect(revoke.json()).toEqual({ message: `400 Bad request - ${developer.user.name} cannot delete Deploy bot` });
        expect((await api(developer.pat).delete(r.url('/999999'))).json()).toEqual({ message: '404 project Access Token Not Found' });
      });
      const create = await api(developer.pat).post(r.url(), { name: 'x', scopes: ['api'], access_level: 10 });
      expect(create.statusCode).toBe(400);
      expect(create.json()).toEqual({ message: '400 Bad request - User does not have permission to create project access token' });
      expect((await events(r)).at(-1)).toMatchObject({ event_name: 'project_access_token_creation_failed', author_id: developer.user.id });
    });

    it('§10 a Maintainer-level project token may list, show and revoke its project’s tokens; a Developer-level one gets 401', async () => {
      const r = await projectOf();
      const maintainerBot = await createToken(r, r.managerPat, { access_level: 40 });
      const developerBot = await createToken(r, r.managerPat, { access_level: 30 });
      const target = await createToken(r, r.managerPat);
      expect((await api(maintainerBot.token).get(r.url())).statusCode).toBe(200);
      expect((await api(maintainerBot.token).get(r.url(`/${target.id}`))).statusCode).toBe(200);
      expect((await api(developerBot.token).get(r.url())).statusCode).toBe(401);
      expect((await api(developerBot.token).get(r.url(`/${target.id}`))).statusCode).toBe(401);
      expect((await api(maintainerBot.token).delete(r.url(`/${target.id}`))).statusCode).toBe(204);
    });

    it('§10 a project token never creates tokens (400) nor rotates another by id (401)', async () => {
      const r = await projectOf();
      const maintainerBot = await createToken(r, r.managerPat, { access_level: 40 });
      const target = await createToken(r, r.managerPat, { access_level: 30 });
      const create = await api(maintainerBot.token).post(r.url(), { name: 'x', scopes: ['api'], access_level: 10 });
      expect(create.statusCode).toBe(400);
      expect(create.json()).toEqual({ message: '400 Bad request - User does not have permission to create project access token' });
      expect((await api(maintainerBot.token).post(r.url(`/${target.id}/rotate`))).statusCode).toBe(401);
    });

    it('§10 self-rotation never consults the project policy: any bot role with api or self_rotate; a human PAT 405; another resource’s token 401; an invisible project 404', async () => {
      const r = await projectOf();
      for (const [level, scopes] of [
        [AccessLevel.GUEST, ['self_rotate']],
        [AccessLevel.REPORTER, ['api']],
      ] as const) {
        const token = await createToken(r, r.managerPat, { access_level: level, scopes });
        const res = await api(token.token).post(r.url('/self/rotate'));
        expect(res.statusCode, String(level)).toBe(200);
        expect(res.json()).toMatchObject({ access_level: level, resource_type: 'project' });
      }
      expect((await api(r.managerPat).post(r.url('/self/rotate'))).statusCode).toBe(405);
      const sibling = await makeResource('project', { group: r.group });
      const siblingToken = await createToken(sibling, sibling.managerPat);
      // The sibling's bot cannot see this private project: 404 Project Not Found.
      const invisible = await api(siblingToken.token).post(r.url('/self/rotate'));
      expect(invisible.statusCode).toBe(404);
      expect(invisible.json()).toEqual({ message: '404 Project Not Found' });
      // Once it can see it (a public project), the token is another resource's: 401.
      const open = await makeResource('project', { group: r.group });
      await h.ctx.database.db.updateTable('projects').set({ visibility: 'public' }).where('id', '=', open.id).execute();
      expect((await api(siblingToken.token).post(open.url('/self/rotate'))).statusCode).toBe(401);
    });

    it('§10 the creation switch of the top-level group governs projects in subgroups: create 400, rotate by id 401 (404 for administrators); list, show, revoke and existing tokens keep working', async () => {
      const owner = await makeUser(h);
      const ownerPat = (await makePat(h, owner)).token;
      const top = await makeGroup(h, owner);
      const sub = await makeGroup(h, owner, { parent: top });
      const r = await makeResource('project', { group: sub });
      const existing = await createToken(r, r.managerPat);
      expect((await api(ownerPat).put(`/api/v4/groups/${top.id}`, { resource_access_token_creation_allowed: false })).statusCode).toBe(200);
      const create = await api(r.managerPat).post(r.url(), { name: 'x', scopes: ['api'] });
      expect(create.statusCode).toBe(400);
      expect(create.json()).toEqual({ message: '400 Bad request - User does not have permission to create project access token' });
      expect((await api(r.managerPat).post(r.url(`/${existing.id}/rotate`))).statusCode).toBe(401);
      expect((await api(rootPat).post(r.url(`/${existing.id}/rotate`))).json()).toEqual({ message: '404 Not Found' });
      expect((await api(r.managerPat).get(r.url())).statusCode).toBe(200);
      expect((await api(r.managerPat).get(r.url(`/${existing.id}`))).statusCode).toBe(200);
      expect((await api(existing.token).get(`/api/v4/projects/${r.id}`)).statusCode).toBe(200);
      expect((await api(r.managerPat).delete(r.url(`/${existing.id}`))).statusCode).toBe(204);
    });

    it('§10 the bot is a direct member of the project only (project_bot, project_{id}_bot_…, not of the group), and no group bot', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { access_level: 30 });
      const db = h.ctx.database.db;
      const bot = (await findUserById(db, token.user_id))!;
      expect(bot).toMatchObject({ user_type: 'project_bot', bot_project_id: r.id, bot_namespace_id: null, name: 'test' });
      expect(await findMember(db, 'project', r.id, bot.id)).toMatchObject({ access_level: 30 });
      expect(await findMember(db, 'group', r.group.id, bot.id)).toBeUndefined();
      const members = await db.selectFrom('members').select(['source_type', 'source_id']).where('user_id', '=', bot.id).execute();
      expect(members).toEqual([{ source_type: 'project', source_id: r.id }]);
    });

    it('§10 a project bot cannot be added to another project or to its group (400), nor removed through the members API (403)', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat);
      const groupOwner = await makeUser(h);
      await setRole(h, { group: r.group }, groupOwner, AccessLevel.OWNER);
      const groupOwnerPat = (await makePat(h, groupOwner)).token;
      const sibling = await makeProject(h, r.group);
      await expectNothingWritten(async () => {
        for (const path of [`/api/v4/groups/${r.group.id}/members`, `/api/v4/projects/${sibling.id}/members`]) {
          const res = await api(groupOwnerPat).post(path, { user_id: token.user_id, access_level: 30 });
          expect(res.statusCode, path).toBe(400);
        }
        const added = await api(groupOwnerPat).post(`/api/v4/projects/${sibling.id}/members`, { user_id: token.user_id, access_level: 30 });
        expect(added.json()).toEqual({ message: { user_id: ['project bots cannot be added to other groups / projects'] } });
        expect((await api(groupOwnerPat).delete(`/api/v4/projects/${r.id}/members/${token.user_id}`)).statusCode).toBe(403);
      });
      // It appears in the project's member list.
      const listed = (await api(groupOwnerPat).get(`/api/v4/projects/${r.id}/members`)).json();
      expect(listed.map((m: { id: number }) => m.id)).toContain(token.user_id);
    });

    it('§10 JSON: resource_type "project", resource_id = the project id, access_level = the bot’s project role; 404 project Access Token Not Found, 404 Project Not Found', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { access_level: 20 });
      const shown = (await api(r.managerPat).get(r.url(`/${token.id}`))).json();
      expect(Object.keys(shown).slice(-3)).toEqual(['access_level', 'resource_type', 'resource_id']);
      expect(shown).toMatchObject({ access_level: 20, resource_type: 'project', resource_id: r.project!.id });
      expect((await api(r.managerPat).get(r.url('/424242'))).json()).toEqual({ message: '404 project Access Token Not Found' });
      // A project the caller cannot see is not found either.
      const stranger = await makeUser(h);
      expect((await api((await makePat(h, stranger)).token).get(r.url())).json()).toEqual({ message: '404 Project Not Found' });
    });

    it('§10 rotating an unknown id: 401, 404 for administrators', async () => {
      const r = await projectOf();
      expect((await api(r.managerPat).post(r.url('/999999/rotate'))).statusCode).toBe(401);
      const admin = await api(rootPat).post(r.url('/999999/rotate'));
      expect(admin.statusCode).toBe(404);
      expect(admin.json()).toEqual({ message: '404 Not Found' });
    });

    it('§10 a parent group’s token is not listed under the project and gets 401 on the project’s self/rotate; the project’s is not listed under the group', async () => {
      const r = await projectOf();
      const groupOwner = await makeUser(h);
      await setRole(h, { group: r.group }, groupOwner, AccessLevel.OWNER);
      const groupOwnerPat = (await makePat(h, groupOwner)).token;
      const groupToken = (await api(groupOwnerPat).post(tokensUrl('group', r.group.id), { name: 'group token', scopes: ['api'], access_level: 50 })).json();
      const projectToken = await createToken(r, r.managerPat);
      expect((await api(r.managerPat).get(r.url())).json().map((t: { id: number }) => t.id)).toEqual([projectToken.id]);
      expect((await api(groupOwnerPat).get(tokensUrl('group', r.group.id))).json().map((t: { id: number }) => t.id)).toEqual([groupToken.id]);
      expect((await api(groupToken.token).get(r.url())).statusCode).toBe(200);
      expect((await api(groupToken.token).get(r.url(`/${groupToken.id}`))).json()).toEqual({ message: '404 project Access Token Not Found' });
      expect((await api(groupToken.token).post(r.url('/self/rotate'))).statusCode).toBe(401);
      expect((await api(groupToken.token).get(r.url('/self'))).statusCode).toBe(401);
      // The project's bot is no member of the private group: it does not even see it.
      expect((await api(projectToken.token).get(tokensUrl('group', r.group.id, `/${projectToken.id}`))).json()).toEqual({ message: '404 Group Not Found' });
    });

    it('§10 audit events project_access_token_created|_rotated|_deleted|_creation_failed: in GET /projects/:id/audit_events (Maintainers) and its group’s log', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { access_level: 30 });
      const rotated = (await api(r.managerPat).post(r.url(`/${token.id}/rotate`))).json();
      await api(r.managerPat).delete(r.url(`/${rotated.id}`));
      await api(r.managerPat).post(r.url(), { name: 'x', scopes: ['api'], access_level: 50 });
      const log = await api(r.managerPat).get(`/api/v4/projects/${r.id}/audit_events`);
      expect(log.statusCode).toBe(200);
      expect(log.headers['x-total']).toBe('4');
      expect(log.json().map((e: { event_name: string; entity_type: string; entity_id: number }) => [e.event_name, e.entity_type, e.entity_id])).toEqual([
        ['project_access_token_creation_failed', 'Project', r.id],
        ['project_access_token_deleted', 'Project', r.id],
        ['project_access_token_rotated', 'Project', r.id],
        ['project_access_token_created', 'Project', r.id],
      ]);
      const developer = await memberOf(r, AccessLevel.DEVELOPER);
      expect((await api(developer.pat).get(`/api/v4/projects/${r.id}/audit_events`)).statusCode).toBe(403);
      const groupLog = (await api(rootPat).get(`/api/v4/groups/${r.group.id}/audit_events`)).json();
      expect(groupLog.map((e: { event_name: string }) => e.event_name)).toEqual(
        expect.arrayContaining(['project_access_token_created', 'project_access_token_rotated', 'project_access_token_deleted', 'project_access_token_creation_failed']),
      );
    });

    it('decision 0004 §10 "Expiry notices" a project bot is no group bot: its token’s notice goes to the project’s Maintainer as a project notice, no group notice', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { expires_at: '2026-06-20' });
      await runExpiringTokens(h.ctx);
      const row = await h.ctx.database.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
      expect(row.seven_days_notification_sent_at).toBe(NOW);
      const mails = await h.ctx.database.db.selectFrom('mail_outbox').selectAll().execute();
      expect(mails.filter((m) => m.text_body.includes(`Group ${r.group.full_path}:`))).toEqual([]);
      const projectMails = mails.filter((m) => m.text_body.includes(`Project ${r.group.full_path}/${r.project!.path}:`));
      expect(projectMails.map((m) => m.recipient)).toEqual([r.manager.email]);
    });

    it('decision 0004 reuse detection of a project token is recorded in the project’s audit log', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat);
      const successor = (await api(token.token).post(r.url('/self/rotate'))).json();
      expect((await api(token.token).post(r.url('/self/rotate'))).statusCode).toBe(401);
      expect((await api(successor.token).get(`/api/v4/projects/${r.id}`)).statusCode).toBe(401);
      expect((await events(r)).at(-1)).toMatchObject({ event_name: 'token_reuse_detected', entity_type: 'Project', entity_path: `${r.group.full_path}/${r.project!.path}` });
    });

    it('decision 0004 deleting a group removes its projects’ bots with their tokens', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat);
      expect((await api(rootPat).delete(`/api/v4/groups/${r.group.id}`)).statusCode).toBeLessThan(300);
      expect(await findUserById(h.ctx.database.db, token.user_id)).toBeUndefined();
    });

    it('§10 a project token (api) opens an issue in its project, authored by its bot; a sibling private project is not found', async () => {
      const r = await projectOf();
      const token = await createToken(r, r.managerPat, { access_level: 30 });
      const res = await api(token.token).post(`/api/v4/projects/${r.id}/issues`, { title: 'From CI' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ title: 'From CI', project_id: r.id, author: { id: token.user_id } });
      const sibling = await makeProject(h, r.group);
      expect((await api(token.token).post(`/api/v4/projects/${sibling.id}/issues`, { title: 'x' })).json()).toEqual({ message: '404 Project Not Found' });
    });
  });
});
