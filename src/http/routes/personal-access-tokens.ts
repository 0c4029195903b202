import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  findVisiblePersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  rotatePersonalAccessToken,
} from '../../services/personal-access-tokens.js';
import { findTokenById } from '../../store/repositories/tokens.js';
import { caller } from '../plugins/auth.js';
import { HttpError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { toTokenJson, withToken } from '../presenters/tokens.js';
import { DateString } from '../schemas.js';
import { TokenListQuery, tokenFiltersFrom } from '../token-filters.js';
import type { App, RouteOptions } from '../types.js';

const TokenIdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'ID of the personal access token' }) });
const RotateBody = Type.Object(
  { expires_at: Type.Optional(DateString('Expiry of the new token; defaults to one week from today')) },
  { examples: [{ expires_at: '2027-01-31' }] },
);
const tags = ['personal access tokens'];

export async function personalAccessTokenRoutes(app: App, { ctx }: RouteOptions) {
  const json = (row: Parameters<typeof toTokenJson>[0]) => toTokenJson(row, ctx.clock.now());

  /** The token the request authenticated with (browser sessions have none). */
  async function currentToken(request: FastifyRequest) {
    const { token } = caller(request);
    const row = token && (await findTokenById(ctx.database.db, token.id));
    if (!row) throw new HttpError(400, { message: '400 Bad request - This endpoint requires token type to be a personal access token' });
    return row;
  }

  app.get(
    '/personal_access_tokens',
    {
      schema: {
        tags,
        summary: "List personal access tokens (yours; an administrator's: everyone's, or one user's)",
        querystring: Type.Object({ ...TokenListQuery, user_id: Type.Optional(Type.Integer({ minimum: 1 })) }),
      },
    },
    async (request, reply) => {
      const { actor } = caller(request);
      const page = pageOf(request.query);
      const { rows, total } = await listPersonalAccessTokens(ctx, actor, { ...tokenFiltersFrom(request.query), userId: request.query.user_id }, page);
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      return rows.map(json);
    },
  );

  // Self-information routes accept a token of any scope (GitLab: self_information.rb).
  app.get('/personal_access_tokens/self', { config: { anyScope: true }, schema: { tags, summary: 'The token used to authenticate' } }, async (request) =>
    json(await currentToken(request)),
  );

  app.delete('/personal_access_tokens/self', { config: { anyScope: true }, schema: { tags, summary: 'Revoke the token used to authenticate' } }, async (request, reply) => {
    await revokePersonalAccessToken(ctx, await currentToken(request));
    return reply.code(204).send();
  });

  app.post(
    '/personal_access_tokens/self/rotate',
    { config: { extraScopes: ['self_rotate'] }, schema: { tags, summary: 'Rotate the token used to authenticate (api or self_rotate scope)', body: RotateBody } },
    async (request) => {
      const token = await currentToken(request);
      const issued = unwrap(await rotatePersonalAccessToken(ctx, token.id, request.body?.expires_at));
      return withToken(json(issued.row), issued.token);
    },
  );

  app.get('/personal_access_tokens/:id', { schema: { tags, summary: 'Get a personal access token', params: TokenIdParams } }, async (request) =>
    json(unwrap(await findVisiblePersonalAccessToken(ctx, caller(request).actor, request.params.id))),
  );

  app.delete('/personal_access_tokens/:id', { schema: { tags, summary: 'Revoke a personal access token', params: TokenIdParams } }, async (request, reply) => {
    const token = unwrap(await findVisiblePersonalAccessToken(ctx, caller(request).actor, request.params.id));
    await revokePersonalAccessToken(ctx, token);
    return reply.code(204).send();
  });

  app.post(
    '/personal_access_tokens/:id/rotate',
    { schema: { tags, summary: 'Rotate a personal access token', params: TokenIdParams, body: RotateBody } },
    async (request) => {
      const token = unwrap(await findVisiblePersonalAccessToken(ctx, caller(request).actor, request.params.id));
      const issued = unwrap(await rotatePersonalAccessToken(ctx, token.id, request.body?.expires_at));
      return withToken(json(issued.row), issued.token);
    },
  );
}
