import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_ROOT } from '../../src/http/plugins/web.js';
import type { Response } from '../support/harness.js';
import { ALL_SCOPES, CALLERS, OWNER_TOKEN_NAME, PRINCIPALS, ROLE_NAMES, ROLES, scopeCaller, type CallerName, type Principal, type Role, type World } from './world.js';

/**
 * The authorization matrix: for every route the app registers, the answer each caller gets.
 *
 * An answer is written as the runner summarises a response: the status, then GitLab's message
 * (`403 Forbidden`, `404 Group Not Found`), the OAuth error (`401 invalid_token: …`,
 * `403 insufficient_scope (api read_api)`), the first sentence of a text body (Git), or the
 * registry's error code; a success may add what it let through (`200 with P`: the list shows the
 * private project). `*` in an expected answer stands for any text (names of users and bots).
 *
 * The table states what each principal gets (anonymous, the roles, the outsiders, the
 * administrator, the browser session); every other caller follows from a rule of the product:
 * - an unknown token is `401 Unauthorized`, an expired or revoked one `401 invalid_token`, on every
 *   route that looks at tokens (API routes, Git, the registry, forward auth);
 * - `<scope> scope only` is an administrator's token with that one scope: where the route accepts
 *   the scope it answers as the administrator's `api` token does, elsewhere `403 insufficient_scope`;
 * - a browser session is the target group's Owner signed in to the web UI: it answers as the
 *   Owner's token unless stated; without the CSRF header, state-changing methods are refused.
 */

export interface RouteRequest {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

export interface Row {
  /** Called once per caller: a row whose success changes or ends its target makes a new one each time. */
  request(w: World): RouteRequest | Promise<RouteRequest>;
  expect: Record<CallerName, string>;
  /** How the token travels: PRIVATE-TOKEN (the API's) or HTTP Basic with the token as password (Git, the registry). */
  present?: 'header' | 'basic';
  /** The caller's credential is used up by success (revoked, rotated, signed out): each request gets a new one. */
  consumes?: boolean;
  /** What a success let through, appended to its summary. */
  detail?(response: Response, w: World): string;
}

// GitLab's answers (docs/api.md "Common rules", ../shared/GITLAB-BEHAVIOR.md §2.0, §3.4).
const UNAUTHORIZED = '401 Unauthorized';
const EXPIRED = '401 invalid_token: Token is expired. You can either do re-authorization or token refresh.';
const REVOKED = '401 invalid_token: Token was revoked. You have to re-authorize from the user.';
const FORBIDDEN = '403 Forbidden';
const CSRF = '403 Forbidden - CSRF token invalid';
const GROUP_NOT_FOUND = '404 Group Not Found';
const PROJECT_NOT_FOUND = '404 Project Not Found';
const NOT_FOUND = '404 Not Found';
const METHOD_NOT_ALLOWED = '405 Method Not Allowed';
const PAT_REQUIRED = '400 Bad request - This endpoint requires token type to be a personal access token';
const CANNOT_CREATE = (kind: 'group' | 'project') => `400 Bad request - User does not have permission to create ${kind} access token`;
const CANNOT_DELETE = '400 Bad request - * cannot delete *';
const insufficientScope = (scopes: readonly string[]) => `403 insufficient_scope (${scopes.join(' ')})`;
const READ_SCOPES = ['api', 'read_api'];
const WRITE_SCOPES = ['api'];
// Git's words (Gitlab::GitAccess), first sentence.
const GIT_DENIED = '401 HTTP Basic: Access denied.';
const GIT_NOT_FOUND = "404 The project you were looking for could not be found or you don't have permission to view it.";
/** The web UI's page, or the note that it has not been built (the suite runs either way). */
const PAGE = existsSync(join(WEB_ROOT, 'index.html')) ? '200' : '503 The web UI has not been built: run `npm run build`.';

type Answers = Record<Exclude<Principal, 'browser session'>, string> & { 'browser session'?: string };
type Outsiders = Pick<Answers, 'anonymous' | 'member of another group' | 'external user' | 'bot of another group'>;
type Expected = Record<CallerName, string>;

/** The browser session is left out: unless a row states it, it answers as the Owner (whose session it is). */
const fromPrincipals = (answer: (p: Principal) => string) =>
  Object.fromEntries(PRINCIPALS.filter((p) => p !== 'browser session').map((p) => [p, answer(p)])) as Answers;

/** One answer for every signed-in principal. */
const signedIn = (answer: string, anonymous = UNAUTHORIZED): Answers => fromPrincipals((p) => (p === 'anonymous' ? anonymous : answer));

/**
 * By role on the target: members at `min` and above get `yes`, those below `no`; the administrator
 * and this group's bot (an Owner of it) get `yes`; the outsiders as stated.
 */
function byRole(min: Role, yes: string, no: string, outsiders: Outsiders): Answers {
  const roles = Object.fromEntries(ROLE_NAMES.map((role) => [role, ROLES[role] >= ROLES[min] ? yes : no]));
  return { ...roles, 'bot of this group': yes, administrator: yes, ...outsiders } as Answers;
}

/** The target group is internal: outsiders who are signed in and not external see it (and get `seen`). */
const groupOutsiders = (seen: string, anonymous = UNAUTHORIZED): Outsiders => ({
  anonymous,
  'member of another group': seen,
  'external user': GROUP_NOT_FOUND,
  'bot of another group': seen,
});
/** The target project is private: to outsiders it does not exist. */
const projectOutsiders = (anonymous = UNAUTHORIZED): Outsiders => ({
  anonymous,
  'member of another group': PROJECT_NOT_FOUND,
  'external user': PROJECT_NOT_FOUND,
  'bot of another group': PROJECT_NOT_FOUND,
});
/** Needs `min` on the group; outsiders who see it get `no`. */
const onGroup = (min: Role, yes: string, no: string) => byRole(min, yes, no, groupOutsiders(no));
/** Anyone who sees the group (optional authentication: anonymous callers do not). */
const seesGroup = (yes: string) => byRole('Guest', yes, yes, groupOutsiders(yes, GROUP_NOT_FOUND));
/** Needs `min` on the project (roles inherited from the group). */
const onProject = (min: Role, yes: string, no: string) => byRole(min, yes, no, projectOutsiders());
/** Its members (optional authentication: anonymous callers do not see it either). */
const seesProject = (yes: string) => byRole('Guest', yes, yes, projectOutsiders(PROJECT_NOT_FOUND));

type ExpectFor = (method: string) => Expected;

/**
 * An API route (the auth plugin's rules): tokens in PRIVATE-TOKEN; `scopes` the route accepts
 * (GitLab's API-level `api`, and `read_api` for GET and HEAD, unless stated); `anyScope` for the
 * self-information routes.
 */
function api(answers: Answers, options: { scopes?: readonly string[]; anyScope?: boolean } = {}): ExpectFor {
  return (method) => {
    const write = !['GET', 'HEAD'].includes(method);
    const scopes = options.scopes ?? (write ? WRITE_SCOPES : READ_SCOPES);
    const browser = answers['browser session'] ?? answers.Owner;
    const expected: Partial<Expected> = {
      ...answers,
      'unknown token': UNAUTHORIZED,
      'expired token': EXPIRED,
      'revoked token': REVOKED,
      'browser session': browser,
      'browser session without CSRF': write ? CSRF : browser,
    };
    for (const scope of ALL_SCOPES) expected[scopeCaller(scope)] = options.anyScope || scopes.includes(scope) ? answers.administrator : insufficientScope(scopes);
    return expected as Expected;
  };
}

/** A route that never looks at credentials: every caller gets the same answer. */
const open = (answer: string): ExpectFor => () => Object.fromEntries(CALLERS.map((c) => [c, answer])) as Expected;

/**
 * A route with its own authentication of tokens (Git, the registry, forward auth): sessions do not
 * count (a browser is anonymous to it), unusable tokens get its own answers, and each scope alone
 * gets what `byScope` says.
 */
function protocol(
  answers: Omit<Answers, 'browser session'>,
  tokens: { unknown: string; expired: string; revoked: string },
  byScope: (scope: string) => string,
): ExpectFor {
  return () => {
    const expected: Partial<Expected> = {
      ...answers,
      'unknown token': tokens.unknown,
      'expired token': tokens.expired,
      'revoked token': tokens.revoked,
      'browser session': answers.anonymous,
      'browser session without CSRF': answers.anonymous,
    };
    for (const scope of ALL_SCOPES) expected[scopeCaller(scope)] = byScope(scope);
    return expected as Expected;
  };
}

/** Git smart HTTP (§3.5): pull needs a read scope and Reporter on a private project, push `api` or `write_repository` and Developer. */
function git(operation: 'pull' | 'push'): ExpectFor {
  const pull = operation === 'pull';
  const answers = byRole(
    pull ? 'Reporter' : 'Developer',
    '200',
    pull ? '403 You are not allowed to download code from this project.' : '403 You are not allowed to push code to this project.',
    { anonymous: GIT_DENIED, 'member of another group': GIT_NOT_FOUND, 'external user': GIT_NOT_FOUND, 'bot of another group': GIT_NOT_FOUND },
  );
  const scopes = pull ? ['api', 'read_api', 'read_repository', 'write_repository'] : ['api', 'write_repository'];
  const refused = pull ? '403 You are not allowed to download code.' : '403 You are not allowed to upload code.';
  return protocol(answers, { unknown: GIT_DENIED, expired: GIT_DENIED, revoked: GIT_DENIED }, (scope) => (scopes.includes(scope) ? answers.administrator : refused));
}

/**
 * Forward auth on the private project (docs/forward-auth.md): reads (GET, HEAD, OPTIONS) need
 * `read_api` or `api` and Reporter, writes `api` and Developer; a refused role is 403, never 404.
 */
function forwardAuth(read: boolean): ExpectFor {
  const answers = byRole(read ? 'Reporter' : 'Developer', '200', FORBIDDEN, {
    anonymous: UNAUTHORIZED,
    'member of another group': FORBIDDEN,
    'external user': FORBIDDEN,
    'bot of another group': FORBIDDEN,
  });
  const scopes = read ? ['read_api', 'api'] : ['api'];
  return protocol(answers, { unknown: UNAUTHORIZED, expired: EXPIRED, revoked: REVOKED }, (scope) => (scopes.includes(scope) ? answers.administrator : insufficientScope(scopes)));
}

/**
 * The registry's token service, asked for `pull,push,delete` on the private project's image
 * (INTEGRATIONS.md §2): a token with what each caller may do (pull: Reporter; push: Developer;
 * delete: Maintainer and `api`), `200 nothing` when signed in and granted nothing.
 */
function registry(): ExpectFor {
  const roles: Record<Role, string> = { Guest: '200 nothing', Planner: '200 nothing', Reporter: '200 pull', Developer: '200 pull,push', Maintainer: '200 pull,push,delete', Owner: '200 pull,push,delete' };
  const answers = {
    ...roles,
    anonymous: '403 DENIED',
    'member of another group': '200 nothing',
    'external user': '200 nothing',
    'bot of this group': '200 pull,push,delete',
    'bot of another group': '200 nothing',
    administrator: '200 pull,push,delete',
  };
  const byScope: Record<string, string> = { api: '200 pull,push,delete', read_api: '200 pull', read_registry: '200 pull', write_registry: '200 push' };
  return protocol(answers, { unknown: '401 UNAUTHORIZED', expired: '401 UNAUTHORIZED', revoked: '401 UNAUTHORIZED' }, (scope) => byScope[scope] ?? '403 DENIED');
}

// What a success let through.
const listing = (label: string, id: (w: World) => number) => (response: Response, w: World) =>
  (response.json() as { id: number }[]).some((item) => item.id === id(w)) ? `with ${label}` : `without ${label}`;
const email = (pick: (body: unknown, w: World) => Record<string, unknown> | undefined) => (response: Response, w: World) =>
  pick(response.json(), w)?.email !== undefined ? 'with email' : 'without email';
/** The actions the registry's JWT grants on the image. */
function grantedActions(response: Response): string {
  const payload = JSON.parse(Buffer.from((response.json() as { token: string }).token.split('.')[1]!, 'base64url').toString()) as { access: { actions: string[] }[] };
  return payload.access.flatMap((a) => a.actions).join(',') || 'nothing';
}

interface RowSpec extends Omit<Row, 'expect'> {
  expect: ExpectFor;
}

const g = (w: World) => `/api/v4/groups/${w.group.id}`;
const p = (w: World) => `/api/v4/projects/${w.project.id}`;
const repository = (w: World) => `/${w.group.full_path}/${w.project.path}.git`;
const body = (payload: unknown) => ({ payload });

/** Group access tokens and project access tokens: one module serves both (GitLab's resource_access_tokens.rb). */
function resourceTokenRows(kind: 'group' | 'project'): Record<string, RowSpec> {
  const base = kind === 'group' ? `/api/v4/groups/:id/access_tokens` : `/api/v4/projects/:id/access_tokens`;
  const url = (w: World) => `${kind === 'group' ? g(w) : p(w)}/access_tokens`;
  const targetId = (w: World) => (kind === 'group' ? w.groupTokenId : w.projectTokenId);
  const freshId = (w: World) => (kind === 'group' ? w.fresh.groupToken() : w.fresh.projectToken());
  const admins: Role = kind === 'group' ? 'Owner' : 'Maintainer';
  const on = kind === 'group' ? onGroup : onProject;
  // The `self` routes take a resource access token of this resource only: a person's token or a session is 405.
  const self = (scopes: { scopes: string[] } | { anyScope: true }) =>
    api(
      {
        ...signedIn(METHOD_NOT_ALLOWED),
        'bot of this group': kind === 'group' ? '200' : UNAUTHORIZED,
        'bot of another group': kind === 'group' ? UNAUTHORIZED : PROJECT_NOT_FOUND,
      },
      scopes,
    );
  return {
    [`GET ${base}`]: { request: (w) => ({ url: url(w) }), expect: api(on(admins, '200', UNAUTHORIZED)) },
    [`GET ${base}/self`]: { request: (w) => ({ url: `${url(w)}/self` }), expect: self({ anyScope: true }) },
    [`GET ${base}/:token_id`]: { request: (w) => ({ url: `${url(w)}/${targetId(w)}` }), expect: api(on(admins, '200', UNAUTHORIZED)) },
    [`POST ${base}`]: {
      request: (w) => ({ url: url(w), ...body({ name: w.fresh.name(), scopes: ['read_api'], access_level: 10 }) }),
      // Never a bot, whatever its role (§2.0: create_resource_access_tokens is prevented for project bots).
      expect: api({ ...on(admins, '201', CANNOT_CREATE(kind)), 'bot of this group': CANNOT_CREATE(kind) }),
    },
    [`POST ${base}/self/rotate`]: { request: (w) => ({ url: `${url(w)}/self/rotate` }), consumes: true, expect: self({ scopes: ['api', 'self_rotate'] }) },
    [`POST ${base}/:token_id/rotate`]: {
      request: async (w) => ({ url: `${url(w)}/${await freshId(w)}/rotate` }),
      expect: api({ ...on(admins, '200', UNAUTHORIZED), 'bot of this group': UNAUTHORIZED }),
    },
    [`DELETE ${base}/:token_id`]: { request: async (w) => ({ url: `${url(w)}/${await freshId(w)}` }), expect: api(on(admins, '204', CANNOT_DELETE)) },
  };
}

/** Members of groups (managed by Owners) and projects (by Maintainers): GitLab's one members API. */
function memberRows(kind: 'group' | 'project'): Record<string, RowSpec> {
  const base = `/api/v4/${kind}s/:id/members`;
  const url = (w: World) => `${kind === 'group' ? g(w) : p(w)}/members`;
  const sees = kind === 'group' ? seesGroup('200') : seesProject('200');
  const manage = (yes: string) => (kind === 'group' ? onGroup('Owner', yes, FORBIDDEN) : onProject('Maintainer', yes, FORBIDDEN));
  // A direct member: of the group, a Guest; of the project, its own direct member.
  const direct = (w: World) => (kind === 'group' ? w.users.Guest.id : w.projectMember.id);
  return {
    [`GET ${base}`]: { request: (w) => ({ url: url(w) }), expect: api(sees) },
    [`GET ${base}/all`]: { request: (w) => ({ url: `${url(w)}/all` }), expect: api(sees) },
    [`GET ${base}/:user_id`]: { request: (w) => ({ url: `${url(w)}/${direct(w)}` }), expect: api(sees) },
    [`GET ${base}/all/:user_id`]: { request: (w) => ({ url: `${url(w)}/all/${w.users.Guest.id}` }), expect: api(sees) },
    [`POST ${base}`]: { request: async (w) => ({ url: url(w), ...body({ user_id: (await w.fresh.user()).id, access_level: 10 }) }), expect: api(manage('201')) },
    [`PUT ${base}/:user_id`]: { request: async (w) => ({ url: `${url(w)}/${(await w.fresh.member(kind)).id}`, ...body({ access_level: 20 }) }), expect: api(manage('200')) },
    [`DELETE ${base}/:user_id`]: { request: async (w) => ({ url: `${url(w)}/${(await w.fresh.member(kind)).id}` }), expect: api(manage('204')) },
  };
}

/** Group hooks (Owners) and project hooks (Maintainers). */
function hookRows(kind: 'group' | 'project'): Record<string, RowSpec> {
  const base = `/api/v4/${kind}s/:id/hooks`;
  const url = (w: World) => `${kind === 'group' ? g(w) : p(w)}/hooks`;
  const hookId = (w: World) => (kind === 'group' ? w.groupHookId : w.projectHookId);
  const admin = (yes: string) => api(kind === 'group' ? onGroup('Owner', yes, FORBIDDEN) : onProject('Maintainer', yes, FORBIDDEN));
  return {
    [`GET ${base}`]: { request: (w) => ({ url: url(w) }), expect: admin('200') },
    [`GET ${base}/:hook_id`]: { request: (w) => ({ url: `${url(w)}/${hookId(w)}` }), expect: admin('200') },
    [`POST ${base}`]: { request: (w) => ({ url: url(w), ...body({ url: 'https://hooks.example.com/matrix' }) }), expect: admin('201') },
    [`PUT ${base}/:hook_id`]: { request: (w) => ({ url: `${url(w)}/${hookId(w)}`, ...body({ name: 'matrix' }) }), expect: admin('200') },
    [`DELETE ${base}/:hook_id`]: { request: async (w) => ({ url: `${url(w)}/${await w.fresh.hook(kind)}` }), expect: admin('204') },
  };
}

/** `/-/forward-auth` answers every method; reads and writes are told apart by it. */
function forwardAuthRows(): Record<string, RowSpec> {
  const methods = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'QUERY'];
  return Object.fromEntries(
    methods.map((method) => [
      `${method} /-/forward-auth`,
      {
        request: (w: World) => ({
          url: `/-/forward-auth?project=${w.group.full_path}/${w.project.path}`,
          // Fastify refuses a QUERY without a body type before any route (400), as it would any body it cannot name.
          ...(method === 'QUERY' ? { headers: { 'content-type': 'text/plain' } } : {}),
        }),
        expect: forwardAuth(['GET', 'HEAD', 'OPTIONS'].includes(method)),
      },
    ]),
  );
}

/** The web UI's pages: no authentication (the data they show comes through the API). */
function pageRows(): Record<string, RowSpec> {
  const pages: Record<string, (w: World) => string> = {
    '/': () => '/',
    '/users/sign_in': () => '/users/sign_in',
    '/groups': () => '/groups',
    '/groups/*': (w) => `/groups/${w.group.full_path}`,
    '/admin': () => '/admin',
    '/admin/*': () => '/admin/users',
    '/-/user_settings/personal_access_tokens': () => '/-/user_settings/personal_access_tokens',
    '/<path>': (w) => `/${w.group.full_path}/${w.project.path}`,
    '/<path>/-/settings/access_tokens': (w) => `/${w.group.full_path}/${w.project.path}/-/settings/access_tokens`,
  };
  return Object.fromEntries(Object.entries(pages).map(([route, url]) => [`GET ${route}`, { request: (w: World) => ({ url: url(w) }), expect: open(PAGE) }]));
}

const SPECS: Record<string, RowSpec> = {
  // Instance information (GitLab's API::Metadata also takes read_user for GET).
  'GET /api/v4/version': { request: () => ({ url: '/api/v4/version' }), expect: api(signedIn('200'), { scopes: [...READ_SCOPES, 'read_user'] }) },
  'GET /api/v4/metadata': { request: () => ({ url: '/api/v4/metadata' }), expect: api(signedIn('200'), { scopes: [...READ_SCOPES, 'read_user'] }) },
  'GET /api/v4/openapi.json': { request: () => ({ url: '/api/v4/openapi.json' }), expect: open('200') },

  // Users (GitLab's API::Users also takes read_user for GET).
  'GET /api/v4/user': { request: () => ({ url: '/api/v4/user' }), expect: api(signedIn('200'), { scopes: [...READ_SCOPES, 'read_user'] }) },
  'GET /api/v4/users': {
    request: (w) => ({ url: `/api/v4/users?username=${w.users.Guest.username}` }),
    // Administrators see every user's email; others see UserBasic; anonymously, by username only
    // (GitLab's API::Users: authenticate_non_get!).
    detail: email((users, w) => (users as Record<string, unknown>[]).find((u) => u.id === w.users.Guest.id)),
    expect: api({ ...signedIn('200 without email', '200 without email'), administrator: '200 with email' }, { scopes: [...READ_SCOPES, 'read_user'] }),
  },
  'GET /api/v4/users/:id': {
    request: (w) => ({ url: `/api/v4/users/${w.users.Guest.id}` }),
    detail: email((user) => user as Record<string, unknown>),
    // Anyone's public profile, without a token too (authenticate_non_get!).
    expect: api({ ...signedIn('200 without email', '200 without email'), Guest: '200 with email', administrator: '200 with email' }, { scopes: [...READ_SCOPES, 'read_user'] }),
  },
  'POST /api/v4/users': {
    request: (w) => {
      const name = w.fresh.name();
      return { url: '/api/v4/users', ...body({ username: name, email: `${name}@example.com`, name }) };
    },
    expect: api({ ...signedIn(FORBIDDEN), administrator: '201' }),
  },
  'POST /api/v4/users/:id/personal_access_tokens': {
    request: (w) => ({ url: `/api/v4/users/${w.users.Guest.id}/personal_access_tokens`, ...body({ name: w.fresh.name(), scopes: ['read_api'] }) }),
    expect: api({ ...signedIn(FORBIDDEN), administrator: '201' }),
  },
  'POST /api/v4/user/personal_access_tokens': {
    // With a token, only the scopes GitLab lets a token mint for its own user.
    request: (w) => ({ url: '/api/v4/user/personal_access_tokens', ...body({ name: w.fresh.name(), scopes: ['self_rotate'] }) }),
    expect: api(signedIn('201')),
  },

  // Personal access tokens.
  'GET /api/v4/personal_access_tokens': {
    request: () => ({ url: `/api/v4/personal_access_tokens?search=${encodeURIComponent(OWNER_TOKEN_NAME)}` }),
    detail: listing("the Owner's token", (w) => w.ownerTokenId),
    expect: api({ ...signedIn("200 without the Owner's token"), Owner: "200 with the Owner's token", administrator: "200 with the Owner's token" }),
  },
  'GET /api/v4/personal_access_tokens/self': {
    request: () => ({ url: '/api/v4/personal_access_tokens/self' }),
    expect: api({ ...signedIn('200'), 'browser session': PAT_REQUIRED }, { anyScope: true }),
  },
  'DELETE /api/v4/personal_access_tokens/self': {
    request: () => ({ url: '/api/v4/personal_access_tokens/self' }),
    consumes: true,
    expect: api({ ...signedIn('204'), 'browser session': PAT_REQUIRED }, { anyScope: true }),
  },
  'POST /api/v4/personal_access_tokens/self/rotate': {
    request: () => ({ url: '/api/v4/personal_access_tokens/self/rotate' }),
    consumes: true,
    expect: api({ ...signedIn('200'), 'browser session': PAT_REQUIRED }, { scopes: ['api', 'self_rotate'] }),
  },
  // The Owner's token: someone else's is, to anyone but an administrator, a token that does not exist.
  'GET /api/v4/personal_access_tokens/:id': {
    request: (w) => ({ url: `/api/v4/personal_access_tokens/${w.ownerTokenId}` }),
    expect: api({ ...signedIn(NOT_FOUND), Owner: '200', administrator: '200' }),
  },
  'DELETE /api/v4/personal_access_tokens/:id': {
    request: async (w) => ({ url: `/api/v4/personal_access_tokens/${await w.fresh.ownerToken()}` }),
    expect: api({ ...signedIn(NOT_FOUND), Owner: '204', administrator: '204' }),
  },
  'POST /api/v4/personal_access_tokens/:id/rotate': {
    request: async (w) => ({ url: `/api/v4/personal_access_tokens/${await w.fresh.ownerToken()}/rotate` }),
    expect: api({ ...signedIn(NOT_FOUND), Owner: '200', administrator: '200' }),
  },

  // Groups: G is internal, so signed-in users who are not external see it; only members see the private P in it.
  'GET /api/v4/groups': {
    request: (w) => ({ url: `/api/v4/groups?search=${w.group.path}` }),
    detail: listing('G', (w) => w.group.id),
    expect: api(byRole('Guest', '200 with G', '200 with G', { anonymous: '200 without G', 'member of another group': '200 without G', 'external user': '200 without G', 'bot of another group': '200 without G' })),
  },
  'POST /api/v4/groups': {
    request: (w) => {
      const name = w.fresh.name();
      return { url: '/api/v4/groups', ...body({ name, path: name }) };
    },
    // A top-level group: any human who is not external (docs/api.md).
    expect: api({ ...signedIn('201'), 'external user': FORBIDDEN, 'bot of this group': FORBIDDEN, 'bot of another group': FORBIDDEN }),
  },
  'POST /api/v4/groups (subgroup)': {
    request: (w) => {
      const name = w.fresh.name();
      return { url: '/api/v4/groups', ...body({ name, path: name, parent_id: w.group.id, visibility: 'internal' }) };
    },
    // GitLab's default subgroup_creation_level: Maintainers.
    expect: api(onGroup('Maintainer', '201', FORBIDDEN)),
  },
  'GET /api/v4/groups/:id': { request: (w) => ({ url: g(w) }), expect: api(seesGroup('200')) },
  'GET /api/v4/groups/:id/abilities': { request: (w) => ({ url: `${g(w)}/abilities` }), expect: api(seesGroup('200')) },
  'PUT /api/v4/groups/:id': { request: (w) => ({ url: g(w), ...body({ description: 'matrix' }) }), expect: api(onGroup('Owner', '200', FORBIDDEN)) },
  'DELETE /api/v4/groups/:id': { request: async (w) => ({ url: `/api/v4/groups/${(await w.fresh.subgroup()).id}` }), expect: api(onGroup('Owner', '202 Accepted', FORBIDDEN)) },
  'GET /api/v4/groups/:id/subgroups': { request: (w) => ({ url: `${g(w)}/subgroups` }), expect: api(seesGroup('200')) },
  'GET /api/v4/groups/:id/projects': {
    request: (w) => ({ url: `${g(w)}/projects?search=${w.project.path}` }),
    detail: listing('P', (w) => w.project.id),
    expect: api(byRole('Guest', '200 with P', '200 with P', groupOutsiders('200 without P', GROUP_NOT_FOUND))),
  },
  ...memberRows('group'),
  ...resourceTokenRows('group'),
  'GET /api/v4/groups/:id/audit_events': { request: (w) => ({ url: `${g(w)}/audit_events` }), expect: api(onGroup('Owner', '200', FORBIDDEN)) },
  ...hookRows('group'),

  // Projects: P is private, in G.
  'GET /api/v4/projects': {
    request: (w) => ({ url: `/api/v4/projects?search=${w.project.path}` }),
    detail: listing('P', (w) => w.project.id),
    expect: api(byRole('Guest', '200 with P', '200 with P', { anonymous: '200 without P', 'member of another group': '200 without P', 'external user': '200 without P', 'bot of another group': '200 without P' })),
  },
  'POST /api/v4/projects': {
    request: (w) => ({ url: '/api/v4/projects', ...body({ name: w.fresh.name(), namespace_id: String(w.group.id) }) }),
    expect: api(onGroup('Developer', '201', FORBIDDEN)),
  },
  'GET /api/v4/projects/:id': { request: (w) => ({ url: p(w) }), expect: api(seesProject('200')) },
  'GET /api/v4/projects/:id/abilities': { request: (w) => ({ url: `${p(w)}/abilities` }), expect: api(seesProject('200')) },
  ...memberRows('project'),
  ...resourceTokenRows('project'),
  'GET /api/v4/projects/:id/audit_events': { request: (w) => ({ url: `${p(w)}/audit_events` }), expect: api(onProject('Maintainer', '200', FORBIDDEN)) },
  'GET /api/v4/projects/:id/issues': { request: (w) => ({ url: `${p(w)}/issues` }), expect: api(seesProject('200')) },
  'GET /api/v4/projects/:id/issues/:iid': { request: (w) => ({ url: `${p(w)}/issues/${w.issueIid}` }), expect: api(seesProject('200')) },
  'POST /api/v4/projects/:id/issues': { request: (w) => ({ url: `${p(w)}/issues`, ...body({ title: 'matrix' }) }), expect: api(onProject('Guest', '201', FORBIDDEN)) },
  ...hookRows('project'),

  // The instance: administrators only.
  'GET /api/v4/application/settings': { request: () => ({ url: '/api/v4/application/settings' }), expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }) },
  'PUT /api/v4/application/settings': {
    request: () => ({ url: '/api/v4/application/settings', ...body({ token_reuse_detection: 'rotate' }) }),
    expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }),
  },
  'GET /api/v4/audit_events': { request: () => ({ url: '/api/v4/audit_events' }), expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }) },
  'GET /api/v4/audit_events/:id': { request: (w) => ({ url: `/api/v4/audit_events/${w.auditEventId}` }), expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }) },
  'GET /api/v4/admin/mail_queue': { request: () => ({ url: '/api/v4/admin/mail_queue' }), expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }) },
  'POST /api/v4/admin/token': { request: (w) => ({ url: '/api/v4/admin/token', ...body({ token: w.guestTokenValue }) }), expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }) },
  'DELETE /api/v4/admin/token': {
    request: async (w) => ({ url: '/api/v4/admin/token', ...body({ token: await w.fresh.tokenValue() }) }),
    expect: api({ ...signedIn(FORBIDDEN), administrator: '204' }),
  },
  // Introspecting reads: read_api is enough (docs/forward-auth.md).
  'POST /oauth/introspect': {
    request: (w) => ({ url: '/oauth/introspect', payload: `token=${encodeURIComponent(w.guestTokenValue)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    expect: api({ ...signedIn(FORBIDDEN), administrator: '200' }, { scopes: READ_SCOPES }),
  },
  // Anyone may report a leaked value; credentials are not looked at.
  'POST /api/v4/credentials/revoke': { request: () => ({ url: '/api/v4/credentials/revoke', ...body({ credentials: ['glpat-not-a-token-at-all'] }) }), expect: open('202 Accepted') },

  // The web UI's session: signing in looks at no credentials; the session routes need a session.
  'POST /api/v4/session': { request: (w) => ({ url: '/api/v4/session', ...body(w.sessionLogin) }), expect: open('201') },
  'GET /api/v4/session': { request: () => ({ url: '/api/v4/session' }), expect: api({ ...signedIn(UNAUTHORIZED), 'browser session': '200' }) },
  'DELETE /api/v4/session': { request: () => ({ url: '/api/v4/session' }), consumes: true, expect: api({ ...signedIn(UNAUTHORIZED), 'browser session': '204' }) },

  // Protocols with their own authentication.
  'GET /<path>/info/refs': { request: (w) => ({ url: `${repository(w)}/info/refs?service=git-upload-pack` }), present: 'basic', expect: git('pull') },
  'GET /<path>/info/refs (push)': { request: (w) => ({ url: `${repository(w)}/info/refs?service=git-receive-pack` }), present: 'basic', expect: git('push') },
  'POST /<path>/git-upload-pack': {
    request: (w) => ({ url: `${repository(w)}/git-upload-pack`, payload: '0000', headers: { 'content-type': 'application/x-git-upload-pack-request' } }),
    present: 'basic',
    expect: git('pull'),
  },
  'POST /<path>/git-receive-pack': {
    request: (w) => ({ url: `${repository(w)}/git-receive-pack`, payload: '0000', headers: { 'content-type': 'application/x-git-receive-pack-request' } }),
    present: 'basic',
    expect: git('push'),
  },
  'GET /jwt/auth': {
    request: (w) => ({ url: `/jwt/auth?service=container_registry&scope=repository:${w.group.full_path}/${w.project.path}:pull,push,delete` }),
    present: 'basic',
    detail: grantedActions,
    expect: registry(),
  },
  ...forwardAuthRows(),

  // Operations: no credentials. /metrics answers loopback only (or its own bearer token): every caller here comes from elsewhere.
  'GET /-/health': { request: () => ({ url: '/-/health' }), expect: open('200') },
  'GET /-/readiness': { request: () => ({ url: '/-/readiness' }), expect: open('200') },
  'GET /metrics': { request: () => ({ url: '/metrics' }), expect: open(NOT_FOUND) },
  ...pageRows(),
  'GET /assets/*': { request: () => ({ url: '/assets/no-such-file.js' }), expect: open(NOT_FOUND) },
};

/**
 * The table: `METHOD /route` (as the app registers it; a route registered once per depth as
 * `/<path>/…`) → its row; `METHOD /route (variant)` asks the same route another way.
 */
export const ROUTES: Record<string, Row> = Object.fromEntries(
  Object.entries(SPECS).map(([key, spec]) => [key, { ...spec, expect: spec.expect(key.split(' ')[0]!) }]),
);

/** The route a row asks: its key without the variant. */
export const routeOfRow = (key: string): string => key.replace(/ \(.*\)$/, '');

/**
 * A response as the table writes answers: the status and GitLab's message or error, or the first
 * sentence of a text body (Git's errors); a HEAD answer is its status alone.
 */
export function summarize(response: Response): string {
  const status = String(response.statusCode);
  const type = String(response.headers['content-type'] ?? '');
  const prefixed = (text: string) => (text.startsWith(status) ? text : `${status} ${text}`);
  if (response.body === '') return status;
  if (type.startsWith('application/json')) {
    const parsed = response.json() as Record<string, unknown>;
    if (typeof parsed.message === 'string') return prefixed(parsed.message);
    if (parsed.message !== undefined && !Array.isArray(parsed)) return `${status} ${JSON.stringify(parsed.message)}`;
    if (parsed.error === 'invalid_token') return `${status} invalid_token: ${String(parsed.error_description)}`;
    if (parsed.error === 'insufficient_scope') return `${status} insufficient_scope (${String(parsed.scope)})`;
    if (typeof parsed.error === 'string') return prefixed(parsed.error);
    const errors = parsed.errors as { code: string }[] | undefined;
    if (Array.isArray(errors) && errors[0]) return `${status} ${errors[0].code}`;
    return status;
  }
  if (type.startsWith('text/plain') && response.statusCode >= 400) return `${status} ${/^.*?[.!?](?=\s|$)/s.exec(response.body.trim())?.[0] ?? response.body.trim()}`;
  return status;
}

/** Whether an answer matches what the table expects (`*`: any text). */
export function matches(expected: string, actual: string): boolean {
  if (!expected.includes('*')) return expected === actual;
  const pattern = expected.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`, 's').test(actual);
}
