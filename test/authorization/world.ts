import { randomBytes } from 'node:crypto';
import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../../src/domain/scopes.js';
import { consoleCallerAs } from '../../src/services/caller.js';
import { openIssue } from '../../src/services/issues.js';
import { revokePersonalAccessToken } from '../../src/services/personal-access-tokens.js';
import { createHook } from '../../src/services/webhooks.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { AccessLevel, makeGroup, makePat, makeUser, setRole } from '../support/factories.js';
import { makeGroupToken, makeProjectToken, makeRepositoryProject } from '../support/git-factories.js';
import { signInBrowser, type Harness } from '../support/harness.js';

/**
 * The callers of the authorization matrix and the world they call into: a target group G
 * (internal, so that who may merely see it differs from who belongs to it) holding a private
 * project P with a repository, an issue, hooks and access tokens; members of G at every role; and
 * outsiders.
 */

/** GitLab's roles, each held by one member of the target group (inherited on its project). */
export const ROLES = { Guest: AccessLevel.GUEST, Planner: AccessLevel.PLANNER, Reporter: AccessLevel.REPORTER, Developer: AccessLevel.DEVELOPER, Maintainer: AccessLevel.MAINTAINER, Owner: AccessLevel.OWNER } as const;
export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

/** Every scope a token can carry: each is a caller of its own (an administrator's token with that scope alone). */
export const ALL_SCOPES = [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] as const;
export type ScopeCaller = `${(typeof ALL_SCOPES)[number]} scope only`;
export const scopeCaller = (scope: (typeof ALL_SCOPES)[number]): ScopeCaller => `${scope} scope only`;

/** The callers whose answers the table states one by one; every other caller's answer follows from them by a rule. */
export const PRINCIPALS = [
  'anonymous',
  ...ROLE_NAMES,
  'member of another group',
  'external user',
  'bot of this group',
  'bot of another group',
  'administrator',
  'browser session',
] as const;
export type Principal = (typeof PRINCIPALS)[number];

export const CALLERS = [
  'anonymous',
  'unknown token',
  'expired token',
  'revoked token',
  ...ALL_SCOPES.map(scopeCaller),
  ...PRINCIPALS.filter((p) => p !== 'anonymous'),
  'browser session without CSRF',
] as const;
export type CallerName = (typeof CALLERS)[number];

/** What a caller presents: a token, or a browser session's cookie (with or without its CSRF token). */
export type Credential = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'session'; cookie: string; csrfToken: string | null };

export interface World {
  h: Harness;
  group: GroupRow;
  project: ProjectRow;
  otherGroup: GroupRow;
  users: Record<Role | 'admin' | 'other' | 'external', UserRow>;
  /** A direct member of the project (Guest), for the routes that read direct memberships. */
  projectMember: UserRow;
  issueIid: number;
  groupHookId: number;
  projectHookId: number;
  /** Tokens the routes act on (never a caller's own). */
  groupTokenId: number;
  projectTokenId: number;
  ownerTokenId: number;
  /** A token's value, for the routes that take one in the body. */
  guestTokenValue: string;
  auditEventId: number;
  sessionLogin: { login: string; password: string };
  /** Objects made anew for each request whose success changes or ends them. */
  fresh: {
    name(): string;
    user(): Promise<UserRow>;
    member(source: 'group' | 'project'): Promise<UserRow>;
    groupToken(): Promise<number>;
    projectToken(): Promise<number>;
    subgroup(): Promise<GroupRow>;
    ownerToken(): Promise<number>;
    tokenValue(): Promise<string>;
    hook(kind: 'group' | 'project'): Promise<number>;
  };
  /** The caller's credential; `renew` makes a new one of the same kind (for routes that use it up). */
  credential(caller: CallerName, renew?: boolean): Promise<Credential>;
}

const PASSWORD = 'matrix-password-1234';
/** The name of the Owner's token that the personal access token routes act on (lists search for it: many tokens exist by then). */
export const OWNER_TOKEN_NAME = 'owner target token';
const unique = () => randomBytes(4).toString('hex');

function must<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string; message?: string } }): T {
  if (!result.ok) throw new Error(`world: ${result.error.kind} ${result.error.message ?? ''}`);
  return result.value;
}

export async function buildWorld(h: Harness): Promise<World> {
  const root = consoleCallerAs(h.root);
  const owner = await makeUser(h, { password: PASSWORD });
  const group = await makeGroup(h, owner, { visibility: 'internal' });
  const { project } = await makeRepositoryProject(h, group, { visibility: 'private' });
  const users = { Owner: owner } as World['users'];
  for (const role of ROLE_NAMES.filter((r) => r !== 'Owner')) {
    users[role] = await makeUser(h);
    await setRole(h, { group }, users[role], ROLES[role]);
  }
  users.admin = await makeUser(h, { admin: true });
  users.other = await makeUser(h);
  users.external = await makeUser(h, { external: true });
  const otherGroup = await makeGroup(h, users.other);
  const projectMember = await makeUser(h);
  await setRole(h, { project }, projectMember, AccessLevel.GUEST);

  const issue = must(await openIssue(h.ctx, consoleCallerAs(users.Guest), String(project.id), { title: 'An issue' }));
  const hook = async (kind: 'group' | 'project') =>
    must(await createHook(h.ctx, root, { kind, ref: String(kind === 'group' ? group.id : project.id) }, { url: `https://hooks.example.com/${unique()}` })).id;
  const groupToken = async () => (await makeGroupToken(h, group, { scopes: ['api'] })).id;
  const projectToken = async () => (await makeProjectToken(h, project, { scopes: ['api'] })).id;

  const fresh: World['fresh'] = {
    name: () => `matrix-${unique()}`,
    user: () => makeUser(h),
    member: async (source) => {
      const user = await makeUser(h);
      await setRole(h, source === 'group' ? { group } : { project }, user, AccessLevel.GUEST);
      return user;
    },
    groupToken,
    projectToken,
    // Internal as the group above it, so that its outsiders see it as they see G.
    subgroup: () => makeGroup(h, owner, { parent: group, visibility: 'internal' }),
    ownerToken: async () => (await makePat(h, owner)).id,
    tokenValue: async () => (await makePat(h, users.Guest)).token,
    hook,
  };

  const tokenOf = async (user: UserRow, scopes: string[] = ['api']): Promise<Credential> => ({ kind: 'token', token: (await makePat(h, user, { scopes })).token });
  const session = async (csrf: boolean): Promise<Credential> => {
    const { cookie, csrfToken } = await signInBrowser(h, owner.username, PASSWORD);
    return { kind: 'session', cookie, csrfToken: csrf ? csrfToken : null };
  };
  const mint = async (caller: CallerName): Promise<Credential> => {
    if (caller.endsWith(' scope only')) return tokenOf(users.admin, [caller.replace(/ scope only$/, '')]);
    if (caller in ROLES) return tokenOf(users[caller as Role]);
    switch (caller) {
      case 'anonymous':
        return { kind: 'none' };
      case 'unknown token':
        return { kind: 'token', token: `glpat-${randomBytes(20).toString('base64url')}` };
      case 'expired token':
        return { kind: 'token', token: (await makePat(h, owner, { expiresAt: '2026-01-01' })).token };
      case 'revoked token': {
        const { token, id } = await makePat(h, owner);
        must(await revokePersonalAccessToken(h.ctx, consoleCallerAs(owner), id));
        return { kind: 'token', token };
      }
      case 'member of another group':
        return tokenOf(users.other);
      case 'external user':
        return tokenOf(users.external);
      case 'bot of this group':
        return { kind: 'token', token: (await makeGroupToken(h, group, { scopes: ['api'], level: AccessLevel.OWNER })).token };
      case 'bot of another group':
        return { kind: 'token', token: (await makeGroupToken(h, otherGroup, { scopes: ['api'], level: AccessLevel.OWNER })).token };
      case 'administrator':
        return tokenOf(users.admin);
      case 'browser session':
        return session(true);
      case 'browser session without CSRF':
        return session(false);
    }
    throw new Error(`no such caller: ${caller}`);
  };
  const [groupHookId, projectHookId, groupTokenId, projectTokenId] = [await hook('group'), await hook('project'), await groupToken(), await projectToken()];
  // The token creations above wrote audit events.
  const auditEvent = await h.ctx.database.db.selectFrom('audit_events').select('id').orderBy('id').executeTakeFirstOrThrow();
  const credentials = new Map<CallerName, Credential>();
  for (const caller of CALLERS) credentials.set(caller, await mint(caller));

  return {
    h,
    group,
    project,
    otherGroup,
    users,
    projectMember,
    issueIid: issue.issue.iid,
    groupHookId,
    projectHookId,
    groupTokenId,
    projectTokenId,
    ownerTokenId: (await makePat(h, owner, { name: OWNER_TOKEN_NAME })).id,
    guestTokenValue: await fresh.tokenValue(),
    auditEventId: auditEvent.id,
    sessionLogin: { login: owner.username, password: PASSWORD },
    fresh,
    credential: async (caller, renew = false) => (renew ? mint(caller) : credentials.get(caller)!),
  };
}
