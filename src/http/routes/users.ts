import { Type } from '@fastify/type-provider-typebox';
import { createUser, findUsers, getUser } from '../../services/users.js';
import { createPersonalAccessToken } from '../../services/personal-access-tokens.js';
import { requireAdmin, requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { toUserBasicJson, toUserJson, UserBasicJson, UserJson } from '../presenters/users.js';
import { PersonalAccessTokenWithTokenJson, toTokenJson, withToken } from '../presenters/tokens.js';
import { errorResponses, Id, PaginationQuery, Ref } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import { NewPersonalAccessTokenBody } from './personal-access-tokens.js';

const UserIdParams = Type.Object({ id: Id({ description: 'ID of the user' }) });

/** GitLab's API::Users: `allow_access_with_scope :read_user` for GET requests (§3.3). */
const READ_USER = { extraScopes: ['read_user'] } as const;
/** Its `authenticate_non_get!`: a GET of another user, or of one by username, needs no token. */
const READ_USER_OR_ANONYMOUS = { ...READ_USER, auth: 'optional' } as const;

export async function userRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;

  app.get('/user', { config: READ_USER, schema: { tags: ['users'], summary: 'The authenticated user', response: { 200: Ref(UserJson), ...errorResponses(400, 401, 403) } } }, async (request) => {
    const caller = requireCaller(request);
    return toUserJson(caller.user, externalUrl, { self: true, forAdmin: caller.isAdmin });
  });

  app.get(
    '/users',
    {
      config: READ_USER_OR_ANONYMOUS,
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: Type.Object({ username: Type.Optional(Type.String({ maxLength: 255 })), search: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery }),
        response: {
          200: Type.Array(Type.Union([Ref(UserJson), Ref(UserBasicJson)]), {
            description: 'The users, one page (see the pagination headers): User for administrators, UserBasic for others. Anonymously, only with `username` (else 403).',
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const caller = request.caller;
      const page = pageOf(request.query);
      const { items, total } = unwrap(await findUsers(ctx, caller, { username: request.query.username, search: request.query.search }, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((u) => (caller?.isAdmin ? toUserJson(u, externalUrl, { self: u.id === caller.id, forAdmin: true }) : toUserBasicJson(u, externalUrl)));
    },
  );

  app.get('/users/:id', { config: READ_USER_OR_ANONYMOUS, schema: { tags: ['users'], summary: 'Get a user', params: UserIdParams, response: { 200: Ref(UserJson), ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
    const caller = request.caller;
    const user = unwrap(await getUser(ctx, request.params.id));
    return toUserJson(user, externalUrl, { self: user.id === caller?.id, forAdmin: caller?.isAdmin ?? false });
  });

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (administrators)',
        body: Type.Object({
          email: Type.String({ maxLength: 255 }),
          username: Type.String({ maxLength: 255 }),
          name: Type.String({ maxLength: 255 }),
          password: Type.Optional(Type.String({ maxLength: 1024 })),
          admin: Type.Optional(Type.Boolean()),
          external: Type.Optional(Type.Boolean()),
          skip_confirmation: Type.Optional(Type.Boolean()),
          reset_password: Type.Optional(Type.Boolean()),
          force_random_password: Type.Optional(Type.Boolean()),
        }, { examples: [{ email: 'ada@example.com', username: 'ada', name: 'Ada Lovelace', password: 'correct-horse-battery' }] }),
        response: { 201: Ref(UserJson), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { email, username, name, password, admin, external } = request.body;
      const user = unwrap(await createUser(ctx, { email, username, name, password, admin, external }));
      return reply.code(201).send(toUserJson(user, externalUrl, { self: false, forAdmin: true }));
    },
  );

  app.post(
    '/users/:id/personal_access_tokens',
    {
      schema: {
        tags: ['personal access tokens'],
        summary: 'Create a personal access token for a user (administrators)',
        params: UserIdParams,
        body: NewPersonalAccessTokenBody,
        response: { 201: Ref(PersonalAccessTokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const caller = requireAdmin(request);
      const { name, description, scopes, expires_at, allowed_cidrs } = request.body;
      const issued = unwrap(
        await createPersonalAccessToken(ctx, { userId: request.params.id, name, description, scopes, expiresAt: expires_at, allowedCidrs: allowed_cidrs }, caller),
      );
      return reply.code(201).send(withToken(toTokenJson(issued.row, ctx.clock.now()), issued.token));
    },
  );
}
