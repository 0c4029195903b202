import { Type } from '@fastify/type-provider-typebox';
import { createUser } from '../../services/users.js';
import { isRecordId } from '../../store/repositories/common.js';
import { createPersonalAccessToken } from '../../services/personal-access-tokens.js';
import { nowIso } from '../../services/context.js';
import { findUserById, listUsers } from '../../store/repositories/users.js';
import { caller } from '../plugins/auth.js';
import { HttpError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { toUserBasicJson, toUserJson } from '../presenters/users.js';
import { toTokenJson, withToken } from '../presenters/tokens.js';
import { DateString, PaginationQuery } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import type { FastifyRequest } from 'fastify';

const UserIdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'ID of the user' }) });

export function requireAdmin(request: FastifyRequest) {
  const auth = caller(request);
  if (!auth.actor.isAdmin) throw new HttpError(403, { message: '403 Forbidden' });
  return auth;
}

export async function userRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;

  app.get('/user', { schema: { tags: ['users'], summary: 'The authenticated user' } }, async (request) => {
    const { user, actor } = caller(request);
    return toUserJson(user, externalUrl, { self: true, forAdmin: actor.isAdmin });
  });

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: Type.Object({ username: Type.Optional(Type.String({ maxLength: 255 })), search: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery }),
      },
    },
    async (request, reply) => {
      const { actor } = caller(request);
      const page = pageOf(request.query);
      const { rows, total } = await listUsers(ctx.database.db, { username: request.query.username, search: request.query.search }, page);
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return rows.map((u) => (actor.isAdmin ? toUserJson(u, externalUrl, { self: u.id === actor.id, forAdmin: true }) : toUserBasicJson(u, externalUrl)));
    },
  );

  app.get('/users/:id', { schema: { tags: ['users'], summary: 'Get a user', params: UserIdParams } }, async (request) => {
    const { actor } = caller(request);
    const user = isRecordId(request.params.id) ? await findUserById(ctx.database.db, request.params.id) : undefined;
    if (!user || user.user_type === 'ghost') throw new HttpError(404, { message: '404 User Not Found' });
    return toUserJson(user, externalUrl, { self: user.id === actor.id, forAdmin: actor.isAdmin });
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
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { email, username, name, password, admin, external } = request.body;
      const user = unwrap(await createUser(ctx.database.db, { email, username, name, password, admin, external }, nowIso(ctx)));
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
        body: Type.Object({
          name: Type.String({ maxLength: 1024 }),
          description: Type.Optional(Type.String({ maxLength: 1024 })),
          scopes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
          expires_at: Type.Optional(DateString('Expiry date (midnight UTC); defaults to the maximum lifetime')),
        }, { examples: [{ name: 'ci', scopes: ['api'], expires_at: '2027-01-31' }] }),
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { name, description, scopes, expires_at } = request.body;
      const issued = unwrap(await createPersonalAccessToken(ctx, { userId: request.params.id, name, description, scopes, expiresAt: expires_at }));
      return reply.code(201).send(withToken(toTokenJson(issued.row, ctx.clock.now()), issued.token));
    },
  );
}
