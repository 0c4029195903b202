import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole, botCount, expectNothingWritten as expectNothingWrittenIn } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { ResourceKind } from '../../domain/bot-users.js';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../../domain/scopes.js';
import { findTokenById, updateTokenUsage } from '../../store/repositories/tokens.js';
import { findUserById } from '../../store/repositories/users.js';
import type { GroupRow, ProjectRow, UserRow } from '../../store/schema.js';

/**
 * §8 of docs/gitlab-compatibility.md (GitLab's request spec of this API, the shared example
 * 'resource access token API'), one test per case, run for groups and for projects as GitLab runs
 * it, under the decisions of the T box; where a project's answer differs, §10 says how (KINDS).
 * Then, for groups, the T decisions, §2.0 and §6 rules; and bad input for both kinds. The rest of
 * §10 (each project difference on its own) is in project-access-tokens.test.ts.
 */

const NOW = '2026-06-15T12:00:00.000Z';
const TODAY = '2026-06-15';
const YESTERDAY = '2026-06-14';
const TWO_DAYS_AGO = '2026-06-13';
const ONE_DAY_AGO = '2026-06-14T12:00:00.000Z';
const IN_ONE_WEEK = '2026-06-22';
const IN_ONE_MONTH = '2026-07-15';
const IN_ONE_YEAR = '2027-06-15';

const tokensUrl = (group: Pick<GroupRow, 'id'> | string, rest = '') => `/api/v4/groups/${typeof group === 'string' ? group : group.id}/access_tokens${rest}`;

/** GitLab's entity fields, in order (§1.4). */
const ENTITY_KEYS = [
  'id',
  'name',
  'active',
  'revoked',
  'expired',
  'granular',
  'created_at',
  'description',
  'scopes',
  'user_id',
  'last_used_at',
  'expires_at',
  'last_used_ips',
  'revoked_at', // Tollgate's addition (docs/api.md)
  'allowed_cidrs', // Tollgate's own (issue 13, docs/api.md)
  'rotation_grace_ends_at', // Tollgate's own (issue 13, docs/api.md)
  'access_level',
  'resource_type',
  'resource_id',
];

/**
 * What §8 expects differently of the two kinds. GitLab's fixture (§8): in a group `user` is Owner and
 * `user_non_privileged` Maintainer; in a project `user` is Maintainer and `user_non_privileged`
 * Developer. The answers for projects are §10's.
 */
const KINDS = {
  group: {
    managerLevel: AccessLevel.OWNER,
    nonPrivileged: { level: AccessLevel.MAINTAINER, role: 'Maintainer' },
    notFound: '404 Group Not Found',
    tokenNotFound: '404 group Access Token Not Found',
    entityType: 'Group',
    // §8.5 R3, R4: for groups any non-Owner is refused before the access-level check.
    maintainerRotatesOwnerToken: { status: 401, body: { message: '401 Unauthorized' } },
    maintainerRotatesMaintainerToken: 401,
  },
  project: {
    managerLevel: AccessLevel.MAINTAINER,
    nonPrivileged: { level: AccessLevel.DEVELOPER, role: 'Developer' },
    notFound: '404 Project Not Found',
    tokenNotFound: '404 project Access Token Not Found',
    entityType: 'Project',
    // §10: a Maintainer manages a project's tokens; only a token above their own role is refused.
    maintainerRotatesOwnerToken: { status: 400, body: { message: '400 Bad request - Not eligible to rotate tokens with permissions not held by the user' } },
    maintainerRotatesMaintainerToken: 200,
  },
} as const;

/** GitLab's `resource` of either kind, with the users who manage its tokens. */
interface Resource {
  kind: ResourceKind;
  id: number;
  /** The group itself, or the project's group. */
  group: GroupRow;
  /** Its membership source, for setRole. */
  source: { group: GroupRow } | { project: ProjectRow };
  /** `/api/v4/groups/:id` or `/api/v4/projects/:id`. */
  path: string;
  /** Its access tokens URL. */
  url(rest?: string): string;
  /** GitLab's `user`: the group's Owner, or the project's direct Maintainer. */
  manager: UserRow;
  pat: string;
  /** An Owner: the group's, or the Owner of the project's group (who counts as project Owner, §10). */
  owner: UserRow;
  ownerPat: string;
}

describe.each(TEST_DIALECTS)('group and project access tokens API (%s)', (dialect) => {
  let h: Harness;
  let rootPat: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    rootPat = (await makePat(h, h.root)).token;
  });
  afterAll(() => h.close());

  const api = (token?: string) => client(h, token);

  /** A user who owns a fresh group (GitLab's `user`, Owner of `resource`). */
  async function ownerWithGroup(options: { parent?: GroupRow; visibility?: GroupRow['visibility']; owner?: UserRow } = {}) {
    const owner = options.owner ?? (await makeUser(h));
    const pat = (await makePat(h, owner)).token;
    const group = await makeGroup(h, owner, options);
    return { owner, pat, group };
  }

  /**
   * A fresh `resource` of the kind, managed by `manager` (a new user unless given): a group they own,
   * or a project in a new group of another user, with `manager` a direct Maintainer of the project.
   */
  async function makeResource(kind: ResourceKind, options: { manager?: UserRow; visibility?: GroupRow['visibility'] } = {}): Promise<Resource> {
    const { owner, pat: ownerPat, group } = await ownerWithGroup({ visibility: options.visibility, owner: kind === 'group' ? options.manager : undefined });
    const at = (id: number) => {
      const path = `/api/v4/${kind}s/${id}`;
      return { kind, id, group, path, url: (rest = '') => `${path}/access_tokens${rest}`, owner, ownerPat };
    };
    if (kind === 'group') return { ...at(group.id), source: { group }, manager: owner, pat: ownerPat };
    // A project is no more visible than its group, so both get the visibility asked for.
    const project = await makeProject(h, group, { visibility: options.visibility });
    const manager = options.manager ?? (await makeUser(h));
    await setRole(h, { project }, manager, AccessLevel.MAINTAINER);
    return { ...at(project.id), source: { project }, manager, pat: (await makePat(h, manager)).token };
  }

  /** A new user with a direct role in a group or a resource, and their PAT. */
  async function memberOf(of: GroupRow | Resource, level: number, options: { scopes?: string[]; admin?: boolean; external?: boolean } = {}) {
    const user = await makeUser(h, { admin: options.admin, external: options.external });
    await setRole(h, 'source' in of ? of.source : { group: of }, user, level);
    return { user, pat: (await makePat(h, user, { scopes: options.scopes })).token };
  }

  /** The access tokens URL of a group (or a group id or path), or of a resource of either kind. */
  const urlOf = (target: GroupRow | Resource | string, rest = '') => (typeof target === 'object' && 'url' in target ? target.url(rest) : tokensUrl(target, rest));

  /** POST as `pat`; the token JSON (with `token`). */
  async function createToken(target: GroupRow | Resource | string, pat: string, body: Record<string, unknown> = {}) {
    const res = await api(pat).post(urlOf(target), { name: 'test', scopes: ['api'], ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const expectNothingWritten = <T>(request: () => Promise<T>) => expectNothingWrittenIn(h, request);

  /** The audit events of a group or of a resource of either kind. */
  const auditEvents = async (of: GroupRow | Resource) =>
    (
      await h.ctx.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('entity_type', '=', 'kind' in of ? KINDS[of.kind].entityType : 'Group')
        .where('entity_id', '=', of.id)
        .orderBy('id')
        .execute()
    ).map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> }));

  // GitLab runs §8 for groups and for projects ('resource access token API'), and so do we. The
  // few cases about groups alone (a subgroup's tokens) run for groups only.
  describe.each(['group', 'project'] as const)('§8 GitLab’s request spec: %s access tokens', (kind) => {
    const k = KINDS[kind];
    const freshResource = (options: Parameters<typeof makeResource>[1] = {}) => makeResource(kind, options);
    /** GitLab's `user_non_privileged`: a Maintainer of a group, a Developer of a project. */
    const nonPrivileged = (r: Resource) => memberOf(r, k.nonPrivileged.level);
    /** The access tokens URL of any id of this kind. */
    const idUrl = (id: number | string, rest = '') => `/api/v4/${kind}s/${id}/access_tokens${rest}`;

    /**
     * GitLab's `unknown_resource`, which is not found: for groups a project's id used as a group id;
     * for projects a private project `user` is no member of (§10: an invisible project is not found).
     */
    async function unknownResourceId(r: Resource): Promise<number> {
      if (kind === 'project') return (await freshResource()).id;
      let project = await makeProject(h, r.group);
      while (project.id === r.group.id) project = await makeProject(h, r.group);
      return project.id;
    }

    describe(`§8.1 GET /${kind}s/:id/access_tokens`, () => {
      /**
       * GitLab's fixture: bot tokens at `user`'s own level (Owner in a group, Maintainer in a project,
       * as no one creates above their role, §10): 5 active `b_test`, `a_test_1` expired and last used
       * 2 days ago, `c_test` revoked (last created).
       */
      async function listFixture() {
        const r = await freshResource();
        const active = [];
        for (let i = 0; i < 5; i += 1) active.push(await createToken(r, r.pat, { name: 'b_test', access_level: k.managerLevel }));
        const expired = await createToken(r, r.pat, { name: 'a_test_1', access_level: k.managerLevel, expires_at: TWO_DAYS_AGO });
        await updateTokenUsage(h.ctx.database.db, expired.id, '2026-06-13T12:00:00.000Z', []);
        const revoked = await createToken(r, r.pat, { name: 'c_test', access_level: k.managerLevel });
        expect((await api(r.pat).delete(r.url(`/${revoked.id}`))).statusCode).toBe(204);
        const allIds = [...active.map((t) => t.id), expired.id, revoked.id];
        return { r, active, expired, revoked, allIds };
      }
      let f: Awaited<ReturnType<typeof listFixture>>;
      const ids = (res: { json(): { id: number }[] }) => res.json().map((t) => t.id);
      const list = (query = '') => api(f.r.pat).get(f.r.url(query));

      beforeAll(async () => {
        f = await listFixture();
      });

      it('§8.1 L2 owner lists: 200, pagination headers, all 7 tokens', async () => {
        const res = await list();
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-total']).toBe('7');
        expect(res.headers['x-page']).toBe('1');
        expect(res.headers['x-per-page']).toBe('20');
        expect(res.headers.link).toContain('rel="first"');
        expect(ids(res)).toEqual(f.allIds);
        for (const token of res.json()) expect(Object.keys(token)).toEqual(ENTITY_KEYS);
      });

      it(`§8.1 L3 the last element (the revoked token): name, scopes, access_level, resource_type "${kind}", resource_id, expires_at date, last_used_ips [], no token`, async () => {
        const last = (await list()).json().at(-1);
        expect(last).toMatchObject({
          id: f.revoked.id,
          name: 'c_test',
          scopes: ['api'],
          access_level: k.managerLevel,
          resource_type: kind,
          resource_id: f.r.id,
          expires_at: IN_ONE_YEAR,
          last_used_ips: [],
          active: false,
          revoked: true,
        });
        expect(last).not.toHaveProperty('token');
      });

      it('§8.1 L4 a token with one recorded IP: last_used_ips ["192.0.2.10"]', async () => {
        const g = await listFixture();
        await updateTokenUsage(h.ctx.database.db, g.revoked.id, NOW, ['192.0.2.10']);
        expect((await api(g.r.pat).get(g.r.url())).json().at(-1).last_used_ips).toEqual(['192.0.2.10']);
      });

      it('§8.1 L5 a token with 3 IPs: all 3 listed', async () => {
        const g = await listFixture();
        await updateTokenUsage(h.ctx.database.db, g.revoked.id, NOW, ['192.0.2.10', '192.0.2.11', '2001:db8::1']);
        expect((await api(g.r.pat).get(g.r.url())).json().at(-1).last_used_ips).toEqual(['192.0.2.10', '192.0.2.11', '2001:db8::1']);
      });

      it('§8.1 L6 another bot and token are listed (the query count is shown in services/group-access-tokens.test.ts)', async () => {
        const g = await listFixture();
        const extra = await createToken(g.r, g.r.pat, { name: 'another bot' });
        expect(ids(await api(g.r.pat).get(g.r.url()))).toEqual([...g.allIds, extra.id]);
      });

      it(`§8.1 L7 authenticating with one of the ${kind}'s own tokens (its bot at \`user\`'s level): 200, all 7`, async () => {
        const g = await listFixture();
        const res = await api(g.active[0].token).get(g.r.url());
        expect(res.statusCode).toBe(200);
        expect(ids(res)).toEqual(g.allIds);
      });

      it(`§8.1 L8 a token of another ${kind}'s bot is not listed`, async () => {
        const other = await freshResource({ manager: f.r.manager });
        const foreign = await createToken(other, f.r.pat, { access_level: 40 });
        expect(ids(await list())).not.toContain(foreign.id);
        expect(ids(await api(f.r.pat).get(other.url()))).toEqual([foreign.id]);
      });

      it(`§8.1 L9 a ${kind} without tokens: 200 []`, async () => {
        const empty = await freshResource({ manager: f.r.manager });
        const res = await api(f.r.pat).get(empty.url());
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual([]);
      });

      it(`§8.1 L10 :id is GitLab's unknown_resource (${kind === 'group' ? "a project's id" : 'a project `user` is no member of'}): ${k.notFound}`, async () => {
        const res = await api(f.r.pat).get(idUrl(await unknownResourceId(f.r)));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.notFound });
      });

      it(`§8.1 L11 :id does not exist: ${k.notFound}`, async () => {
        const res = await api(f.r.pat).get(idUrl('999999'));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.notFound });
      });

      it('§8.1 L12 revoked=false: all but the revoked token', async () => {
        expect(ids(await list('?revoked=false'))).toEqual(f.allIds.filter((id) => id !== f.revoked.id));
      });

      it('§8.1 L13 revoked=true: only the revoked token', async () => {
        expect(ids(await list('?revoked=true'))).toEqual([f.revoked.id]);
      });

      it('§8.1 L14 state=inactive: 200, pagination headers, the expired and the revoked token', async () => {
        const res = await list('?state=inactive');
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-total']).toBe('2');
        expect(ids(res)).toEqual([f.expired.id, f.revoked.id]);
      });

      it('§8.1 L15 state=active: 200, pagination headers, the 5 active tokens', async () => {
        const res = await list('?state=active');
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-total']).toBe('5');
        expect(ids(res)).toEqual(f.active.map((t) => t.id));
      });

      it('§8.1 L16 created_before=1 day ago: []', async () => {
        expect(ids(await list(`?created_before=${ONE_DAY_AGO}`))).toEqual([]);
      });

      it('§8.1 L17 created_after=1 day ago: all 7', async () => {
        expect(ids(await list(`?created_after=${ONE_DAY_AGO}`))).toEqual(f.allIds);
      });

      it('§8.1 L18 last_used_before=1 day ago: only the expired token', async () => {
        expect(ids(await list(`?last_used_before=${ONE_DAY_AGO}`))).toEqual([f.expired.id]);
      });

      it('§8.1 L19 last_used_after=1 day ago: []', async () => {
        expect(ids(await list(`?last_used_after=${ONE_DAY_AGO}`))).toEqual([]);
      });

      it('§8.1 L20 expires_before=1 day ago: only the expired token', async () => {
        expect(ids(await list(`?expires_before=${YESTERDAY}`))).toEqual([f.expired.id]);
      });

      it('§8.1 L21 expires_after=1 day ago: all but the expired token', async () => {
        expect(ids(await list(`?expires_after=${YESTERDAY}`))).toEqual(f.allIds.filter((id) => id !== f.expired.id));
      });

      it('§8.1 L22 search=a_test_1: only the expired token', async () => {
        expect(ids(await list('?search=a_test_1'))).toEqual([f.expired.id]);
      });

      it('§8.1 L23 sort=name_desc: the expired token (a_test_1) last', async () => {
        expect(ids(await list('?sort=name_desc')).at(-1)).toBe(f.expired.id);
      });

      it('§8.1 L24 sort=name_asc: the expired token first', async () => {
        expect(ids(await list('?sort=name_asc'))[0]).toBe(f.expired.id);
      });

      it(`§8.1 L25 a ${k.nonPrivileged.role} lists (bot Maintainer, 3 tokens): 401`, async () => {
        const r = await freshResource();
        for (let i = 0; i < 3; i += 1) await createToken(r, r.pat, { access_level: 40 });
        const caller = await nonPrivileged(r);
        const res = await api(caller.pat).get(r.url());
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      });

      it('§8.1 pagination: per_page and page, with Link and X-Next-Page', async () => {
        const res = await list('?per_page=3&page=2');
        expect(ids(res)).toEqual(f.allIds.slice(3, 6));
        expect(res.headers['x-next-page']).toBe('3');
        expect(res.headers['x-prev-page']).toBe('1');
        expect(res.headers['x-total-pages']).toBe('3');
        expect(res.headers.link).toContain(`${h.ctx.config.externalUrl}${f.r.url()}?per_page=3&page=3>; rel="next"`);
      });

      // Subgroups are groups' alone (a project's bots never are members of a group, §10).
      it.runIf(kind === 'group')('§9 #13 only bots that are direct members are listed: not a subgroup’s in its parent, nor the parent’s in a subgroup', async () => {
        const sub = await makeGroup(h, f.r.owner, { parent: f.r.group });
        const subToken = await createToken(sub, f.r.pat);
        expect(ids(await list())).not.toContain(subToken.id);
        expect(ids(await api(f.r.pat).get(tokensUrl(sub)))).toEqual([subToken.id]);
      });
    });

    describe(`§8.2 GET /${kind}s/:id/access_tokens/:token_id`, () => {
      it('§8.2 G2 owner gets the token: 200 with name, scopes, access_level, resource_type, resource_id, expires_at, last_used_ips []', async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat, { access_level: k.managerLevel, description: 'what it is for' });
        const res = await api(r.pat).get(r.url(`/${created.id}`));
        expect(res.statusCode).toBe(200);
        expect(Object.keys(res.json())).toEqual(ENTITY_KEYS);
        const { token: _plaintext, ...withoutToken } = created;
        expect(res.json()).toEqual(withoutToken);
        expect(res.json()).toMatchObject({ name: 'test', scopes: ['api'], access_level: k.managerLevel, resource_type: kind, resource_id: r.id, expires_at: IN_ONE_YEAR, last_used_ips: [] });
      });

      it("§8.2 G3 owner gets another bot's token (that bot Maintainer): 200", async () => {
        const r = await freshResource();
        await createToken(r, r.pat, { access_level: k.managerLevel });
        const other = await createToken(r, r.pat, { name: 'other', access_level: 40, scopes: ['read_api'] });
        const res = await api(r.pat).get(r.url(`/${other.id}`));
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ id: other.id, name: 'other', scopes: ['read_api'], access_level: 40, resource_type: kind, resource_id: r.id, last_used_ips: [] });
      });

      it(`§8.2 G4 token_id does not exist: ${k.tokenNotFound}`, async () => {
        const r = await freshResource();
        const res = await api(r.pat).get(r.url('/999999'));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.tokenNotFound });
      });

      it(`§8.2 G5 the token exists but :id is another ${kind}: ${k.tokenNotFound}`, async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat);
        const other = await freshResource({ manager: r.manager });
        const res = await api(r.pat).get(other.url(`/${created.id}`));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.tokenNotFound });
      });

      it(`§8.2 G6 a ${k.nonPrivileged.role} gets a token: 401`, async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat);
        const caller = await nonPrivileged(r);
        const res = await api(caller.pat).get(r.url(`/${created.id}`));
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      });
    });

    describe(`§8.3 DELETE /${kind}s/:id/access_tokens/:token_id`, () => {
      it('§8.3 D2 owner revokes: 204, token revoked, bot user kept (T6)', async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat, { access_level: 40 });
        const res = await api(r.pat).delete(r.url(`/${created.id}`));
        expect(res.statusCode).toBe(204);
        expect(res.body).toBe('');
        expect((await findTokenById(h.ctx.database.db, created.id))!.revoked).toBe(1);
        expect(await findUserById(h.ctx.database.db, created.user_id)).toBeDefined();
        expect((await api(created.token).get('/api/v4/user')).statusCode).toBe(401);
      });

      it("§8.3 D3 owner revokes another bot's token: 204, only that one revoked, its bot kept", async () => {
        const r = await freshResource();
        const first = await createToken(r, r.pat, { access_level: 40 });
        const other = await createToken(r, r.pat, { access_level: 40 });
        expect((await api(r.pat).delete(r.url(`/${other.id}`))).statusCode).toBe(204);
        expect((await findTokenById(h.ctx.database.db, first.id))!.revoked).toBe(0);
        expect((await findTokenById(h.ctx.database.db, other.id))!.revoked).toBe(1);
        expect(await findUserById(h.ctx.database.db, other.user_id)).toBeDefined();
      });

      it(`§8.3 D4 token_id does not exist: ${k.tokenNotFound}`, async () => {
        const r = await freshResource();
        const res = await api(r.pat).delete(r.url('/999999'));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.tokenNotFound });
      });

      it(`§8.3 D5 :id is another ${kind}: ${k.tokenNotFound}, token untouched`, async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat);
        const other = await freshResource({ manager: r.manager });
        const res = await api(r.pat).delete(other.url(`/${created.id}`));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.tokenNotFound });
        expect((await findTokenById(h.ctx.database.db, created.id))!.revoked).toBe(0);
      });

      it(`§8.3 D6 a ${k.nonPrivileged.role} revokes: 400 "<caller name> cannot delete <bot name>", bot and token kept`, async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat, { name: 'Deploy bot', access_level: 40 });
        const caller = await nonPrivileged(r);
        const res = await expectNothingWritten(() => api(caller.pat).delete(r.url(`/${created.id}`)));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: `400 Bad request - ${caller.user.name} cannot delete Deploy bot` });
        expect((await findTokenById(h.ctx.database.db, created.id))!.revoked).toBe(0);
      });

      it(`§2.0 DELETE looks the token up before permissions: a ${k.nonPrivileged.role} asking for an unknown id gets 404`, async () => {
        const r = await freshResource();
        const caller = await nonPrivileged(r);
        const res = await api(caller.pat).delete(r.url('/999999'));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.tokenNotFound });
      });

      it('§2.6 revoking a revoked token is 204 again (idempotent)', async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat);
        expect((await api(r.pat).delete(r.url(`/${created.id}`))).statusCode).toBe(204);
        expect((await api(r.pat).delete(r.url(`/${created.id}`))).statusCode).toBe(204);
      });
    });

    describe(`§8.4 POST /${kind}s/:id/access_tokens`, () => {
      const base = { name: 'test', description: 'description', scopes: ['api'], expires_at: IN_ONE_MONTH, access_level: 20 };

      it('§8.4 C2 full params: 201 with name, description, scopes, access_level, expires_at and the token', async () => {
        const r = await freshResource();
        const res = await api(r.pat).post(r.url(), base);
        expect(res.statusCode).toBe(201);
        const body = res.json();
        expect(Object.keys(body)).toEqual([...ENTITY_KEYS, 'token']);
        expect(body).toMatchObject({ name: 'test', description: 'description', scopes: ['api'], access_level: 20, expires_at: IN_ONE_MONTH, active: true, resource_type: kind, resource_id: r.id });
        expect(body.token).toMatch(/^glpat-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}$/);
        // The token works, as the seed's "Test if the generated group access token works" does.
        expect((await api(body.token).get(r.path)).statusCode).toBe(200);
      });

      it(`§8.4 C3 (GitLab: internal event create_pat) Tollgate records the audit event ${kind}_access_token_created`, async () => {
        const r = await freshResource();
        const body = (await api(r.pat).post(r.url(), base)).json();
        const created = (await auditEvents(r)).filter((e) => e.event_name === `${kind}_access_token_created`);
        expect(created).toHaveLength(1);
        expect(created[0]).toMatchObject({ author_id: r.manager.id, author_name: r.manager.username, target_id: body.id, ip_address: '127.0.0.1', created_at: NOW });
        expect(created[0]!.details).toMatchObject({ token_id: body.id, scopes: ['api'], access_level: 20 });
      });

      it('§8.4 C4 under T2: no expires_at gives today + the maximum lifetime (not GitLab 18.7\'s 400 expires_at is missing)', async () => {
        const r = await freshResource();
        const { expires_at: _omitted, ...params } = base;
        const res = await api(r.pat).post(r.url(), params);
        expect(res.statusCode).toBe(201);
        expect(res.json().expires_at).toBe(IN_ONE_YEAR);
      });

      it('§8.4 C5 under T2: no expires_at while expiry is required: today + the maximum lifetime, which an administrator may change (T3)', async () => {
        const r = await freshResource();
        expect((await api(rootPat).put('/api/v4/application/settings', { require_personal_access_token_expiry: true, max_personal_access_token_lifetime: 30 })).statusCode).toBe(200);
        try {
          const { expires_at: _omitted, ...params } = base;
          const res = await api(r.pat).post(r.url(), params);
          expect(res.statusCode).toBe(201);
          expect(res.json().expires_at).toBe('2026-07-15');
        } finally {
          await api(rootPat).put('/api/v4/application/settings', { max_personal_access_token_lifetime: 365 });
        }
      });

      it('§8.4 C6 no expires_at with require_personal_access_token_expiry false: 201, expires_at null', async () => {
        const r = await freshResource();
        await api(rootPat).put('/api/v4/application/settings', { require_personal_access_token_expiry: false });
        try {
          const { expires_at: _omitted, ...params } = base;
          const res = await api(r.pat).post(r.url(), params);
          expect(res.statusCode).toBe(201);
          expect(res.json()).toMatchObject({ expires_at: null, name: 'test', active: true });
        } finally {
          await api(rootPat).put('/api/v4/application/settings', { require_personal_access_token_expiry: true });
        }
      });

      it('§8.4 C7 no access_level: 201, access_level 40 (Maintainer), token present', async () => {
        const r = await freshResource();
        const { access_level: _omitted, ...params } = base;
        const res = await api(r.pat).post(r.url(), params);
        expect(res.statusCode).toBe(201);
        expect(res.json().access_level).toBe(40);
        expect(res.json().token).toBeTypeOf('string');
      });

      it('§8.4 C8 no name: 400 {"error":"name is missing"}, nothing written', async () => {
        const r = await freshResource();
        const res = await expectNothingWritten(() => api(r.pat).post(r.url(), { scopes: ['api'], expires_at: IN_ONE_MONTH }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'name is missing' });
      });

      it('§8.4 C9 no scopes: 400 {"error":"scopes is missing"}, nothing written', async () => {
        const r = await freshResource();
        const res = await expectNothingWritten(() => api(r.pat).post(r.url(), { name: 'test', expires_at: IN_ONE_MONTH }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'scopes is missing' });
      });

      it('§8.4 C10 scopes ["test"]: 400 {"error":"scopes does not have a valid value"}, nothing written', async () => {
        const r = await freshResource();
        const res = await expectNothingWritten(() => api(r.pat).post(r.url(), { ...base, scopes: ['test'] }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'scopes does not have a valid value' });
      });

      it('§8.4 C11 access_level 0: 400 {"error":"access_level does not have a valid value"}, nothing written', async () => {
        const r = await freshResource();
        const res = await expectNothingWritten(() => api(r.pat).post(r.url(), { ...base, access_level: 0 }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'access_level does not have a valid value' });
      });

      it(`§8.4 C12 :id is GitLab's unknown_resource (${kind === 'group' ? "a project's id" : 'a project `user` is no member of'}): ${k.notFound}, nothing written`, async () => {
        const r = await freshResource();
        const unknown = await unknownResourceId(r);
        const res = await expectNothingWritten(() => api(r.pat).post(idUrl(unknown), base));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.notFound });
      });

      it(`§8.4 C13 a ${k.nonPrivileged.role} cannot create: 400 User does not have permission to create ${kind} access token`, async () => {
        const r = await freshResource();
        const caller = await nonPrivileged(r);
        const bots = await botCount(h);
        const res = await api(caller.pat).post(r.url(), base);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: `400 Bad request - User does not have permission to create ${kind} access token` });
        expect(await botCount(h)).toBe(bots);
        // The refusal is audited (who, where from, what was asked).
        expect((await auditEvents(r)).at(-1)).toMatchObject({
          event_name: `${kind}_access_token_creation_failed`,
          author_id: caller.user.id,
          ip_address: '127.0.0.1',
          target_id: null,
          details: { custom_message: `${k.entityType} access token creation failed: User does not have permission to create ${kind} access token`, access_level: 20 },
        });
      });

      it(`§8.4 C14 a ${kind} access token (its bot at \`user\`'s level) cannot create tokens: 400 User does not have permission to create ${kind} access token`, async () => {
        const r = await freshResource();
        const managerBot = await createToken(r, r.pat, { access_level: k.managerLevel });
        const bots = await botCount(h);
        const res = await api(managerBot.token).post(r.url(), base);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: `400 Bad request - User does not have permission to create ${kind} access token` });
        expect(await botCount(h)).toBe(bots);
      });
    });

    // GitLab's rotate examples make `user` an Owner of the resource: r.ownerPat.
    describe(`§8.5 POST /${kind}s/:id/access_tokens/:token_id/rotate`, () => {
      it('§8.5 R1 Owner rotates a Maintainer bot token (frozen time): 200, new token, expires_at today + 1 week (T4)', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat, { access_level: 40, description: 'kept', scopes: ['api', 'read_repository'] });
        const res = await api(r.ownerPat).post(r.url(`/${old.id}/rotate`));
        expect(res.statusCode).toBe(200);
        const rotated = res.json();
        expect(Object.keys(rotated)).toEqual([...ENTITY_KEYS, 'token']);
        expect(rotated.token).not.toBe(old.token);
        expect(rotated.id).not.toBe(old.id);
        expect(rotated).toMatchObject({
          expires_at: IN_ONE_WEEK,
          user_id: old.user_id,
          name: old.name,
          description: 'kept',
          scopes: ['api', 'read_repository'],
          access_level: 40,
          active: true,
          resource_id: r.id,
        });
        const stored = await findTokenById(h.ctx.database.db, rotated.id);
        // group_id is the top-level group, for a project's token too.
        expect(stored).toMatchObject({ previous_personal_access_token_id: old.id, group_id: r.group.id });
        expect((await findTokenById(h.ctx.database.db, old.id))!.revoked).toBe(1);
        expect((await api(old.token).get('/api/v4/user')).statusCode).toBe(401);
        expect((await api(rotated.token).get('/api/v4/user')).statusCode).toBe(200);
      });

      it('§8.5 R2 (granular PATs do not exist in Tollgate) authorization is by role and scope: an Owner PAT with read_api only is 403 insufficient_scope', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat);
        const readOnly = (await makePat(h, r.owner, { scopes: ['read_api'] })).token;
        const res = await api(readOnly).post(r.url(`/${old.id}/rotate`));
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'api' });
        expect((await api(r.ownerPat).post(r.url(`/${old.id}/rotate`))).statusCode).toBe(200);
      });

      it(`§8.5 R3 a Maintainer rotates an Owner bot token: ${k.maintainerRotatesOwnerToken.status} (${kind} variant)`, async () => {
        const r = await freshResource();
        const old = await createToken(r, r.ownerPat, { access_level: 50 });
        const maintainer = await memberOf(r, AccessLevel.MAINTAINER);
        const res = await api(maintainer.pat).post(r.url(`/${old.id}/rotate`));
        expect(res.statusCode).toBe(k.maintainerRotatesOwnerToken.status);
        expect(res.json()).toEqual(k.maintainerRotatesOwnerToken.body);
      });

      it(`§8.5 R4 a Maintainer rotates a Maintainer bot token: ${k.maintainerRotatesMaintainerToken} (${kind} variant)`, async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat, { access_level: 40 });
        const maintainer = await memberOf(r, AccessLevel.MAINTAINER);
        const rotate = () => api(maintainer.pat).post(r.url(`/${old.id}/rotate`));
        const refused = k.maintainerRotatesMaintainerToken === 401;
        const res = refused ? await expectNothingWritten(rotate) : await rotate();
        expect(res.statusCode).toBe(k.maintainerRotatesMaintainerToken);
        expect((await findTokenById(h.ctx.database.db, old.id))!.revoked).toBe(refused ? 0 : 1);
      });

      it('§8.5 R5 expires_at one month from now: 200 with that date', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat);
        const res = await api(r.ownerPat).post(r.url(`/${old.id}/rotate`), { expires_at: IN_ONE_MONTH });
        expect(res.statusCode).toBe(200);
        expect(res.json().expires_at).toBe(IN_ONE_MONTH);
      });

      it('§8.5 R6 a Developer rotates: 401', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat);
        const developer = await memberOf(r, AccessLevel.DEVELOPER);
        expect((await api(developer.pat).post(r.url(`/${old.id}/rotate`))).statusCode).toBe(401);
      });

      it('§8.5 R7 a failure of the rotation itself is 400 "400 Bad request - <message>" (Token already revoked; the old token family untouched)', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat);
        const rotated = (await api(r.ownerPat).post(r.url(`/${old.id}/rotate`))).json();
        const res = await expectNothingWritten(() => api(r.ownerPat).post(r.url(`/${old.id}/rotate`)));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: '400 Bad request - Token already revoked' });
        // §9 #2: following GitLab's code, rotating a revoked token by id revokes nothing.
        expect((await findTokenById(h.ctx.database.db, rotated.id))!.revoked).toBe(0);
      });

      it('§8.5 R8 unknown token id, caller a Developer (not an admin): 401', async () => {
        const r = await freshResource();
        const developer = await memberOf(r, AccessLevel.DEVELOPER);
        const res = await api(developer.pat).post(r.url('/999999/rotate'));
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      });

      it('§8.5 R9 unknown token id, caller an administrator: 404 {"message":"404 Not Found"}', async () => {
        const r = await freshResource();
        const res = await api(rootPat).post(r.url('/999999/rotate'));
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: '404 Not Found' });
      });

      it(`§2.4 a token id of another ${kind} through this ${kind}'s URL: 401 for an Owner, 404 for an admin; nothing rotated`, async () => {
        const r = await freshResource();
        const other = await freshResource({ manager: r.manager });
        const foreign = await createToken(other, r.pat);
        expect((await api(r.ownerPat).post(r.url(`/${foreign.id}/rotate`))).statusCode).toBe(401);
        expect((await api(rootPat).post(r.url(`/${foreign.id}/rotate`))).json()).toEqual({ message: '404 Not Found' });
        expect((await findTokenById(h.ctx.database.db, foreign.id))!.revoked).toBe(0);
      });

      it(`§3.6 a ${kind} access token (its bot at \`user\`'s level) cannot rotate another token by id: 401`, async () => {
        const r = await freshResource();
        const managerBot = await createToken(r, r.pat, { access_level: k.managerLevel });
        const target = await createToken(r, r.pat);
        expect((await api(managerBot.token).post(r.url(`/${target.id}/rotate`))).statusCode).toBe(401);
        expect((await api(managerBot.token).post(r.url(`/${managerBot.id}/rotate`))).statusCode).toBe(401);
      });

      it("§2.4 the bot's external flag follows the rotating user", async () => {
        const r = await freshResource();
        const external = await memberOf(r, k.managerLevel, { external: true });
        const created = await createToken(r, external.pat);
        expect((await findUserById(h.ctx.database.db, created.user_id))!.external).toBe(1);
        const rotated = (await api(rootPat).post(r.url(`/${created.id}/rotate`))).json();
        expect((await findUserById(h.ctx.database.db, rotated.user_id))!.external).toBe(0);
        await api(external.pat).post(r.url(`/${rotated.id}/rotate`));
        expect((await findUserById(h.ctx.database.db, rotated.user_id))!.external).toBe(1);
      });

      it('§2.4 an expired (not revoked) token can be rotated by id', async () => {
        const r = await freshResource();
        const old = await createToken(r, r.pat, { expires_at: YESTERDAY });
        const res = await api(r.ownerPat).post(r.url(`/${old.id}/rotate`));
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ active: true, expires_at: IN_ONE_WEEK });
      });
    });

    describe(`§8.6 POST /${kind}s/:id/access_tokens/self/rotate`, () => {
      /** A Guest-level bot of a fresh resource, and its token. */
      async function guestBot(options: { scopes?: string[]; visibility?: GroupRow['visibility']; expiresAt?: string } = {}) {
        const r = await freshResource({ visibility: options.visibility });
        const token = await createToken(r, r.pat, { access_level: 10, scopes: options.scopes ?? ['api'], ...(options.expiresAt ? { expires_at: options.expiresAt } : {}) });
        return { r, token };
      }
      const selfRotate = (r: Resource, token: string, body?: Record<string, unknown>, headers?: Record<string, string>) => api(token).post(r.url('/self/rotate'), body, headers);

      it(`§8.6 S1 a valid ${kind} bot token: 200, new token, expires_at today + 1 week, old token revoked`, async () => {
        const { r, token } = await guestBot();
        const res = await selfRotate(r, token.token);
        expect(res.statusCode).toBe(200);
        expect(res.json().token).not.toBe(token.token);
        expect(res.json()).toMatchObject({ expires_at: IN_ONE_WEEK, user_id: token.user_id, access_level: 10, name: token.name });
        expect((await findTokenById(h.ctx.database.db, token.id))!.revoked).toBe(1);
        expect((await api(res.json().token).get(r.path)).statusCode).toBe(200);
      });

      it('§8.6 S2 expires_at one month from now: 200 with that date', async () => {
        const { r, token } = await guestBot();
        const res = await selfRotate(r, token.token, { expires_at: IN_ONE_MONTH });
        expect(res.statusCode).toBe(200);
        expect(res.json().expires_at).toBe(IN_ONE_MONTH);
      });

      it('§8.6 S3 a token with the single scope api, or self_rotate: 200', async () => {
        for (const scope of ['api', 'self_rotate']) {
          const { r, token } = await guestBot({ scopes: [scope] });
          expect((await selfRotate(r, token.token)).statusCode, scope).toBe(200);
        }
      });

      it('§8.6 S4 a token with any single other scope: 403 insufficient_scope', async () => {
        for (const scope of GROUP_ACCESS_TOKEN_SCOPES.filter((s) => s !== 'api' && s !== 'self_rotate')) {
          const { r, token } = await guestBot({ scopes: [scope] });
          const res = await selfRotate(r, token.token);
          expect(res.statusCode, scope).toBe(403);
          expect(res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'api self_rotate' });
          expect((await findTokenById(h.ctx.database.db, token.id))!.revoked).toBe(0);
        }
      });

      it('§8.6 S5 any scope plus self_rotate: 200', async () => {
        const { r, token } = await guestBot({ scopes: ['read_repository', 'self_rotate'] });
        const res = await selfRotate(r, token.token);
        expect(res.statusCode).toBe(200);
        expect(res.json().scopes).toEqual(['read_repository', 'self_rotate']);
      });

      it("§8.6 S6 an administrator's PAT (Guest member): 405", async () => {
        const { r } = await guestBot();
        await setRole(h, r.source, h.root, AccessLevel.GUEST);
        const res = await selfRotate(r, rootPat);
        expect(res.statusCode).toBe(405);
        expect(res.json()).toEqual({ message: '405 Method Not Allowed' });
      });

      it("§8.6 S7 a human's PAT (Guest member): 405", async () => {
        const { r } = await guestBot();
        const guest = await memberOf(r, AccessLevel.GUEST);
        const res = await selfRotate(r, guest.pat);
        expect(res.statusCode).toBe(405);
        expect(res.json()).toEqual({ message: '405 Method Not Allowed' });
      });

      it('§8.6 S8 an unknown token string: 401', async () => {
        const { r } = await guestBot();
        const res = await selfRotate(r, 'glpat-this-is-not-a-token');
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      });

      it('§8.6 S9 a revoked token: 401 invalid_token', async () => {
        const { r, token } = await guestBot();
        await api(r.pat).delete(r.url(`/${token.id}`));
        const res = await selfRotate(r, token.token);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });
      });

      it('§8.6 S10 an expired token (expired yesterday): 401 invalid_token', async () => {
        const { r, token } = await guestBot({ expiresAt: YESTERDAY });
        const res = await selfRotate(r, token.token);
        expect(res.statusCode).toBe(401);
        expect(res.json().error_description).toBe('Token is expired. You can either do re-authorization or token refresh.');
      });

      it('§8.6 S11 a revoked token that has a child: 401, and the child is revoked (reuse detection, T5)', async () => {
        const { r, token } = await guestBot();
        const child = (await selfRotate(r, token.token)).json();
        const res = await selfRotate(r, token.token);
        expect(res.statusCode).toBe(401);
        expect((await findTokenById(h.ctx.database.db, child.id))!.revoked).toBe(1);
        expect((await api(child.token).get('/api/v4/user')).statusCode).toBe(401);
      });

      it('§8.6 S12 (no OAuth in Tollgate) the equivalent: a Bearer string that is no Tollgate token is 401', async () => {
        const { r } = await guestBot();
        const res = await api().post(r.url('/self/rotate'), {}, { authorization: 'Bearer 4f0c8a3e2b1d6e9f0a7b5c3d1e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f' });
        expect(res.statusCode).toBe(401);
      });

      it('§8.6 S13 (no OAuth in Tollgate) the equivalent: an OAuth-looking token asking for api and self_rotate is 401', async () => {
        const { r } = await guestBot();
        const res = await api().post(`${r.url('/self/rotate')}?access_token=oauth-api-self_rotate`, {});
        expect(res.statusCode).toBe(401);
      });

      it('§8.6 S14 (no deploy tokens in Tollgate) a Deploy-Token header is no credential: 401', async () => {
        const { r } = await guestBot();
        const res = await api().post(r.url('/self/rotate'), {}, { 'deploy-token': 'gldt-AbCdEfGhIjKlMnOpQrSt' });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      });

      it('§8.6 S15 (no CI jobs in Tollgate) a CI job token is no credential: 401', async () => {
        const { r } = await guestBot();
        const jobTokenHeaders: Record<string, string>[] = [{ 'job-token': 'glcbt-64_AbCdEfGhIjKlMnOpQrSt' }, { 'private-token': 'glcbt-64_AbCdEfGhIjKlMnOpQrSt' }];
        for (const headers of jobTokenHeaders) {
          const res = await api().post(r.url('/self/rotate'), {}, headers);
          expect(res.statusCode).toBe(401);
        }
      });

      it(`§8.6 S16 the token of another bot (not a member), ${kind} public or internal: 401`, async () => {
        const { token: foreign } = await guestBot();
        for (const visibility of ['public', 'internal'] as const) {
          const r = await freshResource({ visibility });
          const res = await selfRotate(r, foreign.token);
          expect(res.statusCode, visibility).toBe(401);
          expect(res.json()).toEqual({ message: '401 Unauthorized' });
        }
        expect((await findTokenById(h.ctx.database.db, foreign.id))!.revoked).toBe(0);
      });

      it(`§8.6 S17 the token of another bot (not a member), ${kind} private: ${k.notFound}`, async () => {
        const { token: foreign } = await guestBot();
        const r = await freshResource({ visibility: 'private' });
        const res = await selfRotate(r, foreign.token);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ message: k.notFound });
      });
    });

    describe(`T1 GET /${kind}s/:id/access_tokens/self`, () => {
      it(`T1 a ${kind} access token gets itself: 200 with access_level and resource, any scope`, async () => {
        const r = await freshResource();
        const created = await createToken(r, r.pat, { access_level: 30, scopes: ['read_repository'] });
        const res = await api(created.token).get(r.url('/self'));
        expect(res.statusCode).toBe(200);
        const { token: _plaintext, ...withoutToken } = created;
        expect(res.json()).toEqual(withoutToken);
      });

      it(`T1 another ${kind}'s token: 401; a personal access token: 405; no token: 401`, async () => {
        const r = await freshResource();
        const other = await freshResource({ visibility: 'public' });
        const foreign = await createToken(other, other.pat);
        await createToken(r, r.pat);
        expect((await api(foreign.token).get(other.url('/self'))).statusCode).toBe(200);
        const publicResource = await freshResource({ visibility: 'public' });
        expect((await api(foreign.token).get(publicResource.url('/self'))).statusCode).toBe(401);
        expect((await api(r.pat).get(r.url('/self'))).statusCode).toBe(405);
        expect((await api().get(r.url('/self'))).statusCode).toBe(401);
      });
    });
  });

  describe('T decisions', () => {
    it('T3 create with a date past today + the maximum lifetime: 400 Expires at must be before YYYY-MM-DD, nothing written', async () => {
      const { pat, group } = await ownerWithGroup();
      const res = await expectNothingWritten(() => api(pat).post(tokensUrl(group), { name: 'test', scopes: ['api'], expires_at: '2027-06-16' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: `400 Bad request - Expires at must be before ${IN_ONE_YEAR}` });
      expect((await api(pat).post(tokensUrl(group), { name: 'test', scopes: ['api'], expires_at: IN_ONE_YEAR })).statusCode).toBe(201);
    });

    it('T3 rotate with a date past the maximum lifetime: 400, the old token stays valid', async () => {
      const { pat, group } = await ownerWithGroup();
      const old = await createToken(group, pat);
      const res = await expectNothingWritten(() => api(pat).post(tokensUrl(group, `/${old.id}/rotate`), { expires_at: '2027-06-16' }));
      expect(res.json()).toEqual({ message: `400 Bad request - Expires at must be before ${IN_ONE_YEAR}` });
      const self = await api(old.token).post(tokensUrl(group, '/self/rotate'), { expires_at: '2027-06-16' });
      expect(self.json()).toEqual({ message: `400 Bad request - Expires at must be before ${IN_ONE_YEAR}` });
      expect((await api(old.token).get('/api/v4/user')).statusCode).toBe(200);
    });

    it('T3 an administrator may raise the maximum lifetime to 400 days, not beyond', async () => {
      const { pat, group } = await ownerWithGroup();
      expect((await api(rootPat).put('/api/v4/application/settings', { max_personal_access_token_lifetime: 401 })).statusCode).toBe(400);
      expect((await api(rootPat).put('/api/v4/application/settings', { max_personal_access_token_lifetime: 400 })).statusCode).toBe(200);
      try {
        expect((await createToken(group, pat, { expires_at: '2027-07-20' })).expires_at).toBe('2027-07-20');
        expect((await api(pat).post(tokensUrl(group), { name: 't', scopes: ['api'], expires_at: '2027-07-21' })).json()).toEqual({
          message: '400 Bad request - Expires at must be before 2027-07-20',
        });
      } finally {
        await api(rootPat).put('/api/v4/application/settings', { max_personal_access_token_lifetime: 365 });
      }
    });

    it('T5 reuse detection (rotate mode): presenting a rotated-away token to a rotate endpoint revokes its successors, audited', async () => {
      const { pat, group } = await ownerWithGroup();
      const first = await createToken(group, pat);
      const second = (await api(pat).post(tokensUrl(group, `/${first.id}/rotate`))).json();
      const third = (await api(second.token).post(tokensUrl(group, '/self/rotate'))).json();
      // Anywhere else the old token is just refused.
      expect((await api(first.token).get('/api/v4/user')).statusCode).toBe(401);
      expect((await api(third.token).get('/api/v4/user')).statusCode).toBe(200);
      const res = await api(first.token).post(tokensUrl(group, `/${first.id}/rotate`));
      expect(res.statusCode).toBe(401);
      expect((await findTokenById(h.ctx.database.db, third.id))!.revoked).toBe(1);
      expect((await api(third.token).get('/api/v4/user')).statusCode).toBe(401);
      const detected = (await auditEvents(group)).filter((e) => e.event_name === 'token_reuse_detected');
      expect(detected).toHaveLength(1);
      expect(detected[0]).toMatchObject({ target_id: first.id, author_id: first.user_id, ip_address: '127.0.0.1', created_at: NOW, details: { reused_token_id: first.id, revoked_token_ids: [third.id] } });
    });

    it('T5 reuse detection any_use: any request with a rotated-away token revokes its family; off: nothing is revoked', async () => {
      const { pat, group } = await ownerWithGroup();
      try {
        await api(rootPat).put('/api/v4/application/settings', { token_reuse_detection: 'off' });
        const a = await createToken(group, pat);
        const a2 = (await api(pat).post(tokensUrl(group, `/${a.id}/rotate`))).json();
        expect((await api(a.token).post(tokensUrl(group, '/self/rotate'))).statusCode).toBe(401);
        expect((await findTokenById(h.ctx.database.db, a2.id))!.revoked).toBe(0);

        await api(rootPat).put('/api/v4/application/settings', { token_reuse_detection: 'any_use' });
        const b = await createToken(group, pat);
        const b2 = (await api(pat).post(tokensUrl(group, `/${b.id}/rotate`))).json();
        expect((await api(b.token).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(401);
        expect((await findTokenById(h.ctx.database.db, b2.id))!.revoked).toBe(1);
      } finally {
        await api(rootPat).put('/api/v4/application/settings', { token_reuse_detection: 'rotate' });
      }
    });

    it('T8 access levels 10/15/20/30/40/50 are accepted (an Owner may create Owner tokens); 0, 5, 60 are not', async () => {
      const { pat, group } = await ownerWithGroup();
      for (const level of [10, 15, 20, 30, 40, 50]) expect((await createToken(group, pat, { access_level: level })).access_level).toBe(level);
      for (const level of [0, 5, 60, 45]) {
        const res = await expectNothingWritten(() => api(pat).post(tokensUrl(group), { name: 't', scopes: ['api'], access_level: level }));
        expect(res.json(), String(level)).toEqual({ error: 'access_level does not have a valid value' });
      }
    });

    it('T8 administrators count as Owner: an admin who is no member may create an Owner token', async () => {
      const { group } = await ownerWithGroup();
      expect((await createToken(group, rootPat, { access_level: 50 })).access_level).toBe(50);
    });

    it('T9 exactly the 13 scopes: all together are accepted; sudo, admin_mode, read_user, observability scopes are not', async () => {
      const { pat, group } = await ownerWithGroup();
      expect((await createToken(group, pat, { scopes: [...GROUP_ACCESS_TOKEN_SCOPES] })).scopes).toEqual([...GROUP_ACCESS_TOKEN_SCOPES]);
      for (const scope of ['sudo', 'admin_mode', 'read_user', 'read_observability', 'write_observability', 'read_service_ping', 'openid']) {
        const res = await expectNothingWritten(() => api(rootPat).post(tokensUrl(group), { name: 't', scopes: ['api', scope] }));
        expect(res.statusCode, scope).toBe(400);
        expect(res.json()).toEqual({ error: 'scopes does not have a valid value' });
      }
    });

    it('T11 a token expiring today is inactive (it stopped working at 00:00 UTC)', async () => {
      const { pat, group } = await ownerWithGroup();
      const today = await createToken(group, pat, { expires_at: TODAY });
      const tomorrow = await createToken(group, pat, { expires_at: '2026-06-16' });
      expect((await api(pat).get(tokensUrl(group, '?state=inactive'))).json().map((t: { id: number }) => t.id)).toEqual([today.id]);
      expect((await api(pat).get(tokensUrl(group, '?state=active'))).json().map((t: { id: number }) => t.id)).toEqual([tomorrow.id]);
      expect((await api(pat).get(tokensUrl(group, `/${today.id}`))).json()).toMatchObject({ active: false, expired: true, revoked: false });
      expect((await api(today.token).get('/api/v4/user')).statusCode).toBe(401);
    });

    it('T12 last_used_ips is always exposed, and records where a token was used', async () => {
      const { pat, group } = await ownerWithGroup();
      const created = await createToken(group, pat);
      expect(created.last_used_ips).toEqual([]);
      await api(created.token).get(`/api/v4/groups/${group.id}`);
      await h.ctx.tokenUsage.flush();
      expect((await api(pat).get(tokensUrl(group, `/${created.id}`))).json()).toMatchObject({ last_used_at: NOW, last_used_ips: ['127.0.0.1'] });
    });

    it("T13 an empty name or empty scopes: 400 Name can't be blank / Scopes can't be blank, nothing written", async () => {
      const { pat, group } = await ownerWithGroup();
      for (const name of ['', '   ']) {
        const res = await expectNothingWritten(() => api(pat).post(tokensUrl(group), { name, scopes: ['api'] }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: "400 Bad request - Name can't be blank" });
      }
      const res = await expectNothingWritten(() => api(pat).post(tokensUrl(group), { name: 'test', scopes: [] }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ message: "400 Bad request - Scopes can't be blank" });
    });
  });

  describe('§6 resource_access_token_creation_allowed', () => {
    it('§6 false on the top-level group: creation 400 and rotation by id 401 in the whole hierarchy; existing tokens keep working', async () => {
      const { owner, pat, group } = await ownerWithGroup();
      const sub = await makeGroup(h, owner, { parent: group });
      const rootToken = await createToken(group, pat, { access_level: 50 });
      const subToken = await createToken(sub, pat, { access_level: 40 });
      const settings = await api(pat).put(`/api/v4/groups/${group.id}`, { resource_access_token_creation_allowed: false });
      expect(settings.statusCode).toBe(200);
      expect(settings.json().resource_access_token_creation_allowed).toBe(false);

      for (const target of [group, sub]) {
        const res = await api(pat).post(tokensUrl(target), { name: 'test', scopes: ['api'] });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ message: '400 Bad request - User does not have permission to create group access token' });
      }
      expect((await api(pat).post(tokensUrl(sub, `/${subToken.id}/rotate`))).statusCode).toBe(401);
      expect((await api(rootPat).post(tokensUrl(sub, `/${subToken.id}/rotate`))).json()).toEqual({ message: '404 Not Found' });
      // Existing tokens: they authenticate, may be listed, rotate themselves, and be revoked.
      expect((await api(subToken.token).get(`/api/v4/groups/${sub.id}`)).statusCode).toBe(200);
      expect((await api(rootToken.token).get(tokensUrl(group))).statusCode).toBe(200);
      const selfRotated = await api(subToken.token).post(tokensUrl(sub, '/self/rotate'));
      expect(selfRotated.statusCode).toBe(200);
      expect((await api(pat).delete(tokensUrl(sub, `/${selfRotated.json().id}`))).statusCode).toBe(204);

      await api(pat).put(`/api/v4/groups/${group.id}`, { resource_access_token_creation_allowed: true });
      expect((await api(pat).post(tokensUrl(sub), { name: 'test', scopes: ['api'] })).statusCode).toBe(201);
    });

    it('§6 a subgroup cannot change the setting: 400 "…is not allowed since the group is not top-level group."', async () => {
      const { owner, pat, group } = await ownerWithGroup();
      const sub = await makeGroup(h, owner, { parent: group });
      const res = await api(pat).put(`/api/v4/groups/${sub.id}`, { resource_access_token_creation_allowed: false });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('Resource access token creation allowed is not allowed since the group is not top-level group.');
    });
  });

  describe('§3.6 what a group access token may do here', () => {
    it('§3.6 an Owner-level bot may list, get and revoke the group’s tokens; a Maintainer-level bot may not', async () => {
      const { pat, group } = await ownerWithGroup();
      const ownerBot = await createToken(group, pat, { access_level: 50 });
      const maintainerBot = await createToken(group, pat, { access_level: 40 });
      const target = await createToken(group, pat);
      expect((await api(ownerBot.token).get(tokensUrl(group))).statusCode).toBe(200);
      expect((await api(ownerBot.token).get(tokensUrl(group, `/${target.id}`))).statusCode).toBe(200);
      expect((await api(maintainerBot.token).get(tokensUrl(group))).statusCode).toBe(401);
      expect((await api(maintainerBot.token).delete(tokensUrl(group, `/${target.id}`))).statusCode).toBe(400);
      expect((await api(ownerBot.token).delete(tokensUrl(group, `/${target.id}`))).statusCode).toBe(204);
    });

    it('§5 a bot cannot be added to another group through the members API: 400', async () => {
      const { owner, pat, group } = await ownerWithGroup();
      const created = await createToken(group, pat);
      const other = await makeGroup(h, owner);
      const res = await api(pat).post(`/api/v4/groups/${other.id}/members`, { user_id: created.user_id, access_level: 30 });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^400 Bad request - /);
    });

    it('§1.3 a group path in place of the id works, and a subgroup token inherits access to the projects below', async () => {
      const { owner, pat, group } = await ownerWithGroup();
      const sub = await makeGroup(h, owner, { parent: group, path: 'deep' });
      const project = await makeProject(h, sub);
      const created = await createToken(encodeURIComponent(`${group.full_path}/deep`), pat, { access_level: 30 });
      expect(created.resource_id).toBe(sub.id);
      expect((await findTokenById(h.ctx.database.db, created.id))!.group_id).toBe(group.id);
      expect((await api(created.token).get(`/api/v4/projects/${project.id}`)).statusCode).toBe(200);
    });
  });

  // The same refusals for a project's tokens (§10: "everything the group endpoints refuse, the
  // project endpoints refuse the same way"), with the project's words; the group's Owner manages both.
  describe.each(['group', 'project'] as const)('bad input: GitLab’s 400/404 and nothing written (%s)', (kind) => {
    let pat: string;
    let group: GroupRow;
    /** The group, or a project in it. */
    let resource: { id: number };
    let token: { id: number; token: string };
    const urlOf = (target: { id: number } | string, rest = '') => `/api/v4/${kind}s/${typeof target === 'string' ? target : target.id}/access_tokens${rest}`;
    const notFound = kind === 'group' ? '404 Group Not Found' : '404 Project Not Found';
    const tokenNotFound = `404 ${kind} Access Token Not Found`;
    async function createIn(body: Record<string, unknown> = {}) {
      const res = await api(pat).post(urlOf(resource), { name: 'test', scopes: ['api'], ...body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }
    beforeAll(async () => {
      ({ pat, group } = await ownerWithGroup());
      resource = kind === 'group' ? group : await makeProject(h, group);
      token = await createIn();
    });
    const post = (body: Record<string, unknown>) => expectNothingWritten(() => api(pat).post(urlOf(resource), body));

    it('create: dates that are not dates: 400 {"error":"expires_at is invalid"}', async () => {
      for (const expires_at of ['2027-02-30', '2027-13-01', 'tomorrow', '31/01/2027', '', '2027-01-31T00:00:00Z', 20270131]) {
        const res = await post({ name: 't', scopes: ['api'], expires_at });
        expect(res.statusCode, String(expires_at)).toBe(400);
        expect(res.json()).toEqual({ error: 'expires_at is invalid' });
      }
    });

    it('create: access levels that are not numbers: 400 {"error":"access_level is invalid"}', async () => {
      for (const access_level of ['abc', 30.5, true]) {
        const res = await post({ name: 't', scopes: ['api'], access_level });
        expect(res.statusCode, String(access_level)).toBe(400);
        expect(res.json().error).toMatch(/^access_level (is invalid|does not have a valid value)$/);
      }
    });

    it('create: names and descriptions over 255 characters: 400 with GitLab’s "is too long" messages', async () => {
      let res = await post({ name: 'n'.repeat(256), scopes: ['api'] });
      expect(res.json()).toEqual({ message: '400 Bad request - Name is too long (maximum is 255 characters)' });
      res = await post({ name: 't', description: 'd'.repeat(256), scopes: ['api'] });
      expect(res.json()).toEqual({ message: '400 Bad request - Description is too long (maximum is 255 characters)' });
      expect((await createIn({ name: 'n'.repeat(255), description: 'd'.repeat(255) })).name).toHaveLength(255);
    });

    it('create: scopes that are not a list of scopes: 400', async () => {
      for (const scopes of [['api', 'nope'], [42], 'sudo', { api: true }]) {
        const res = await post({ name: 't', scopes });
        expect(res.statusCode, JSON.stringify(scopes)).toBe(400);
        expect(res.json().error).toMatch(/^scopes (does not have a valid value|is invalid)$/);
      }
    });

    it('create: a body that is not JSON: 400, nothing written', async () => {
      const res = await expectNothingWritten(() =>
        h.app.inject({ method: 'POST', url: urlOf(resource), headers: { 'private-token': pat, 'content-type': 'application/json' }, payload: '{"name": "t", "scopes": [' }),
      );
      expect(res.statusCode).toBe(400);
    });

    it(`unknown ${kind}s and malformed paths: ${notFound} on every endpoint`, async () => {
      for (const id of ['999999', '99999999999999999999', '-1', '0', 'no-such-group', 'a%2F%2Fb', '%2F', `${group.full_path}%2Fmissing`, 'x'.repeat(300)]) {
        for (const res of [
          await api(pat).get(urlOf(id)),
          await api(pat).get(urlOf(id, `/${token.id}`)),
          await expectNothingWritten(() => api(pat).post(urlOf(id), { name: 't', scopes: ['api'] })),
          await expectNothingWritten(() => api(pat).post(urlOf(id, `/${token.id}/rotate`))),
          await expectNothingWritten(() => api(pat).delete(urlOf(id, `/${token.id}`))),
          await api(token.token).post(urlOf(id, '/self/rotate')),
        ]) {
          expect(res.statusCode, id).toBe(404);
          expect(res.json(), id).toEqual({ message: notFound });
        }
      }
    });

    it('non-numeric or impossible token ids: 404 (token_id is a string in GitLab), rotate 401 (404 for admins)', async () => {
      for (const id of ['abc', '1.5', '-1', '0', '99999999999999999999', `${token.id}abc`, 'self%20']) {
        const get = await api(pat).get(urlOf(resource, `/${id}`));
        expect(get.statusCode, id).toBe(404);
        expect(get.json()).toEqual({ message: tokenNotFound });
        const del = await expectNothingWritten(() => api(pat).delete(urlOf(resource, `/${id}`)));
        expect(del.json(), id).toEqual({ message: tokenNotFound });
        expect((await expectNothingWritten(() => api(pat).post(urlOf(resource, `/${id}/rotate`)))).statusCode, id).toBe(401);
        expect((await api(rootPat).post(urlOf(resource, `/${id}/rotate`))).json(), id).toEqual({ message: '404 Not Found' });
      }
      expect((await api(pat).delete(urlOf(resource, '/self'))).json()).toEqual({ message: tokenNotFound });
    });

    it('a NUL byte in token_id is refused before any lookup (GitLab\'s HandleNullBytes): 400, nothing written', async () => {
      for (const request of [() => api(pat).get(urlOf(resource, '/%00')), () => api(pat).delete(urlOf(resource, '/%00')), () => api(pat).post(urlOf(resource, '/%00/rotate'))]) {
        const res = await expectNothingWritten(request);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error: 'token_id is invalid' });
      }
    });

    it('rotate: expires_at that is not a date: 400 {"error":"expires_at is invalid"}, the token untouched', async () => {
      for (const expires_at of ['2027-02-30', 'next week', 7]) {
        const res = await expectNothingWritten(() => api(pat).post(urlOf(resource, `/${token.id}/rotate`), { expires_at }));
        expect(res.json(), String(expires_at)).toEqual({ error: 'expires_at is invalid' });
        const self = await expectNothingWritten(() => api(token.token).post(urlOf(resource, '/self/rotate'), { expires_at }));
        expect(self.json(), String(expires_at)).toEqual({ error: 'expires_at is invalid' });
      }
    });

    it('list: filters with bad values: 400 in Grape’s words', async () => {
      const cases: [string, string][] = [
        ['state=expired', 'state does not have a valid value'],
        ['revoked=maybe', 'revoked is invalid'],
        ['created_before=yesterday', 'created_before is invalid'],
        ['last_used_after=soon', 'last_used_after is invalid'],
        ['expires_before=2027-02-30', 'expires_before is invalid'],
        ['page=0', 'page is invalid'],
        ['per_page=abc', 'per_page is invalid'],
      ];
      for (const [query, error] of cases) {
        const res = await api(pat).get(urlOf(resource, `?${query}`));
        expect(res.statusCode, query).toBe(400);
        expect(res.json()).toEqual({ error });
      }
      // An unknown sort is ignored, as GitLab does; per_page is capped at 100.
      expect((await api(pat).get(urlOf(resource, '?sort=bogus'))).statusCode).toBe(200);
      expect((await api(pat).get(urlOf(resource, '?per_page=1000'))).headers['x-per-page']).toBe('100');
    });

    it('no credentials on any endpoint: 401 before any validation', async () => {
      for (const res of [
        await api().get(urlOf(resource)),
        await api().get(urlOf(resource, '/1')),
        await api().get(urlOf(resource, '/self')),
        await api().post(urlOf(resource), { bogus: true }),
        await api().post(urlOf(resource, '/1/rotate'), { expires_at: 'x' }),
        await api().post(urlOf(resource, '/self/rotate')),
        await api().delete(urlOf(resource, '/1')),
      ]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ message: '401 Unauthorized' });
      }
    });
  });

  describe('audit events: GET /groups/:id/audit_events', () => {
    it('lists created, rotated, revoked, refused and reuse-detected events with who, which token, IP and time; newest first, paginated', async () => {
      const { owner, pat, group } = await ownerWithGroup();
      const maintainer = await memberOf(group, AccessLevel.MAINTAINER);
      const created = await createToken(group, pat);
      await api(maintainer.pat).post(tokensUrl(group), { name: 'refused', scopes: ['api'] });
      h.clock.advance(60_000);
      const rotated = (await api(pat).post(tokensUrl(group, `/${created.id}/rotate`))).json();
      const other = await createToken(group, pat, { name: 'other' });
      // The rotated-away token presented again: its successor is revoked (T5).
      await api(created.token).post(tokensUrl(group, '/self/rotate'));
      await api(pat).delete(tokensUrl(group, `/${other.id}`));
      h.clock.set(new Date(NOW));

      const res = await api(pat).get(`/api/v4/groups/${group.id}/audit_events`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-total']).toBe('6');
      const events = res.json();
      expect(events.map((e: { event_name: string }) => e.event_name)).toEqual([
        'group_access_token_deleted',
        'token_reuse_detected',
        'group_access_token_created',
        'group_access_token_rotated',
        'group_access_token_creation_failed',
        'group_access_token_created',
      ]);
      expect(events[5]).toMatchObject({
        author_id: owner.id,
        entity_id: group.id,
        entity_type: 'Group',
        created_at: NOW,
        details: { author_name: owner.username, target_id: created.id, target_type: 'PersonalAccessToken', ip_address: '127.0.0.1', entity_path: group.full_path },
      });
      expect(events[4]).toMatchObject({ author_id: maintainer.user.id, details: { target_id: null } });
      expect(events[3]).toMatchObject({ author_id: owner.id, details: { target_id: created.id, new_token_id: rotated.id }, created_at: '2026-06-15T12:01:00.000Z' });
      expect(events[1]).toMatchObject({ author_id: created.user_id, details: { target_id: created.id, revoked_token_ids: [rotated.id] } });
      expect(events[0]).toMatchObject({ author_id: owner.id, details: { target_id: other.id } });

      const page = await api(pat).get(`/api/v4/groups/${group.id}/audit_events?per_page=2&page=2`);
      expect(page.json().map((e: { event_name: string }) => e.event_name)).toEqual(['group_access_token_created', 'group_access_token_rotated']);
      expect(page.headers['x-total-pages']).toBe('3');
      const since = await api(pat).get(`/api/v4/groups/${group.id}/audit_events?created_after=2026-06-15T12:00:30Z`);
      expect(since.json()).toHaveLength(4);
    });

    it('Owners and administrators only: a Maintainer is 403, a stranger 404, a bad date 400', async () => {
      const { group } = await ownerWithGroup();
      const maintainer = await memberOf(group, AccessLevel.MAINTAINER);
      expect((await api(maintainer.pat).get(`/api/v4/groups/${group.id}/audit_events`)).json()).toEqual({ message: '403 Forbidden' });
      const stranger = (await makePat(h, await makeUser(h))).token;
      expect((await api(stranger).get(`/api/v4/groups/${group.id}/audit_events`)).statusCode).toBe(404);
      expect((await api(rootPat).get(`/api/v4/groups/${group.id}/audit_events`)).statusCode).toBe(200);
      expect((await api(rootPat).get(`/api/v4/groups/${group.id}/audit_events?created_before=never`)).json()).toEqual({ error: 'created_before is invalid' });
    });
  });

  describe('OpenAPI document', () => {
    it('/api/v4/openapi.json documents the six endpoints and audit events, with body and query examples', async () => {
      const doc = (await api().get('/api/v4/openapi.json')).json();
      const paths = doc.paths as Record<string, Record<string, { tags: string[]; summary: string; parameters?: { name: string; in: string; example?: unknown; examples?: unknown }[]; requestBody?: { content: Record<string, { examples?: unknown; example?: unknown }> } }>>;
      const base = '/api/v4/groups/{id}/access_tokens';
      expect(Object.keys(paths[base]!)).toEqual(expect.arrayContaining(['get', 'post']));
      expect(Object.keys(paths[`${base}/self`]!)).toEqual(['get']);
      expect(Object.keys(paths[`${base}/{token_id}`]!)).toEqual(expect.arrayContaining(['get', 'delete']));
      expect(Object.keys(paths[`${base}/{token_id}/rotate`]!)).toEqual(['post']);
      expect(Object.keys(paths[`${base}/self/rotate`]!)).toEqual(['post']);
      expect(Object.keys(paths['/api/v4/groups/{id}/audit_events']!)).toEqual(['get']);
      for (const operation of [paths[base]!.get!, paths[base]!.post!, paths[`${base}/{token_id}/rotate`]!.post!]) {
        expect(operation.tags).toEqual(['group access tokens']);
        expect(operation.summary).toBeTruthy();
      }
      const createBody = paths[base]!.post!.requestBody!.content['application/json']!;
      expect(createBody.example ?? createBody.examples).toBeTruthy();
      expect(JSON.stringify(createBody)).toContain('test_token');
      const rotateBody = paths[`${base}/{token_id}/rotate`]!.post!.requestBody!.content['application/json']!;
      expect(JSON.stringify(rotateBody.examples ?? rotateBody.example)).toContain('2027-01-31');
      const state = paths[base]!.get!.parameters!.find((p) => p.name === 'state' && p.in === 'query')!;
      expect(state.example ?? state.examples).toBeTruthy();
      const expiresBefore = paths[base]!.get!.parameters!.find((p) => p.name === 'expires_before')!;
      expect(expiresBefore.example ?? expiresBefore.examples).toBeTruthy();
    });
  });
});
