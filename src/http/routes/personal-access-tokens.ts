import { Type } from '@fastify/type-provider-typebox';
import { MAX_ALLOWED_CIDRS } from '../../domain/ip-allowlist.js';
import { parseGracePeriodSeconds } from '../../domain/rotation-grace.js';
import {
  createOwnPersonalAccessToken,
  getPersonalAccessToken,
  listPersonalAccessTokens,
  revokePersonalAccessToken,
  rotatePersonalAccessToken,
} from '../../services/personal-access-tokens.js';
import { requireCaller } from '../plugins/auth.js';
import { httpFailure, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { PersonalAccessTokenJson, PersonalAccessTokenWithTokenJson, toTokenJson, withToken } from '../presenters/tokens.js';
import { DateString, errorResponses, Id, NoContent, Ref } from '../schemas.js';
import { TokenListQuery, tokenFiltersFrom } from '../token-filters.js';
import type { App, RouteOptions } from '../types.js';

const TokenIdParams = Type.Object({ id: Id({ description: 'ID of the personal access token' }) });

/**
 * Tollgate's own `allowed_cidrs` (issue 13), on every token create: its entries are checked by
 * domain/ip-allowlist.ts, so that the console's commands get the same rules.
 */
export const AllowedCidrsParam = Type.Optional(
  Type.Array(Type.String({ maxLength: 64 }), {
    maxItems: MAX_ALLOWED_CIDRS,
    description:
      `Tollgate's own: the networks the token may be used from (IPv4 or IPv6 CIDRs or plain addresses, at most ${MAX_ALLOWED_CIDRS}); ` +
      'from anywhere else it is refused (401). Default: anywhere',
    examples: [['10.0.0.0/8', '2001:db8::/32']],
  }),
);

/**
 * Tollgate's own `grace_period_seconds` (issue 13), on every rotate: no type here, so that
 * domain/rotation-grace.ts answers every wrong value in Grape's words (the schema's coercion
 * would turn `true` into 1).
 */
export const GracePeriodSecondsParam = Type.Optional(
  Type.Unsafe<number | string>({
    description:
      "Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), " +
      'then is revoked. Default 0: revoked at once, as GitLab does',
    examples: [300],
  }),
);

const RotateBody = Type.Object(
  { expires_at: Type.Optional(DateString('Expiry of the new token; defaults to one week from today')), grace_period_seconds: GracePeriodSecondsParam },
  { examples: [{ expires_at: '2027-01-31' }, { grace_period_seconds: 300 }] },
);
const tags = ['personal access tokens'];

/** The attributes of a new personal access token: POST /user/personal_access_tokens and POST /users/:id/personal_access_tokens. */
export const NewPersonalAccessTokenBody = Type.Object(
  {
    name: Type.String({ maxLength: 1024 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    scopes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
    expires_at: Type.Optional(DateString('Expiry date (midnight UTC); defaults to the maximum lifetime')),
    allowed_cidrs: AllowedCidrsParam,
  },
  { examples: [{ name: 'ci', scopes: ['api'], expires_at: '2027-01-31' }, { name: 'deploy', scopes: ['read_repository'], allowed_cidrs: ['10.0.0.0/8'] }] },
);

export async function personalAccessTokenRoutes(app: App, { ctx }: RouteOptions) {
  const json = (row: Parameters<typeof toTokenJson>[0]) => toTokenJson(row, ctx.clock.now());

  app.get(
    '/personal_access_tokens',
    {
      schema: {
        tags,
        summary: "List personal access tokens (yours; an administrator's: everyone's, or one user's)",
        querystring: Type.Object({ ...TokenListQuery, user_id: Type.Optional(Id()) }),
        response: {
          200: Type.Array(Ref(PersonalAccessTokenJson), { description: 'The tokens, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      // GitLab (13.3+, restrict_non_admins!): a non-administrator may name only themselves.
      if (!caller.isAdmin && request.query.user_id !== undefined && request.query.user_id !== caller.id) throw httpFailure('unauthorized');
      const page = pageOf(request.query);
      const { items, total } = await listPersonalAccessTokens(ctx, caller, { ...tokenFiltersFrom(request.query), userId: request.query.user_id }, page);
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      return items.map(json);
    },
  );

  app.post(
    '/user/personal_access_tokens',
    {
      schema: {
        tags,
        summary: 'Create a personal access token for yourself',
        description:
          "With a token, GitLab's limit: only the k8s_proxy and self_rotate scopes (others: 400 `scopes does not have a valid value`). Signed in to the web UI (a browser session), any personal scope available to you, as GitLab's User Settings page allows.",
        body: NewPersonalAccessTokenBody,
        response: { 201: Ref(PersonalAccessTokenWithTokenJson), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { name, description, scopes, expires_at, allowed_cidrs } = request.body;
      const issued = unwrap(await createOwnPersonalAccessToken(ctx, requireCaller(request), { name, description, scopes, expiresAt: expires_at, allowedCidrs: allowed_cidrs }));
      return reply.code(201).send(withToken(json(issued.row), issued.token));
    },
  );

  // Self-information routes accept a token of any scope (GitLab: self_information.rb).
  app.get('/personal_access_tokens/self', {
    config: { anyScope: true },
    schema: { tags, summary: 'The token used to authenticate', response: { 200: Ref(PersonalAccessTokenJson), ...errorResponses(400, 401, 403) } },
  }, async (request) =>
    json(unwrap(await getPersonalAccessToken(ctx, requireCaller(request), 'self'))),
  );

  app.delete('/personal_access_tokens/self', {
    config: { anyScope: true },
    schema: { tags, summary: 'Revoke the token used to authenticate', response: { 204: NoContent('Revoked'), ...errorResponses(400, 401, 403) } },
  }, async (request, reply) => {
    unwrap(await revokePersonalAccessToken(ctx, requireCaller(request), 'self'));
    return reply.code(204).send();
  });

  app.post(
    '/personal_access_tokens/self/rotate',
    {
      config: { extraScopes: ['self_rotate'] },
      schema: {
        tags,
        summary: 'Rotate the token used to authenticate (api or self_rotate scope)',
        body: RotateBody,
        response: { 200: Ref(PersonalAccessTokenWithTokenJson), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const grace = unwrap(parseGracePeriodSeconds(request.body?.grace_period_seconds));
      const issued = unwrap(await rotatePersonalAccessToken(ctx, requireCaller(request), 'self', request.body?.expires_at, grace));
      return withToken(json(issued.row), issued.token);
    },
  );

  app.get('/personal_access_tokens/:id', {
    schema: { tags, summary: 'Get a personal access token', params: TokenIdParams, response: { 200: Ref(PersonalAccessTokenJson), ...errorResponses(400, 401, 403, 404) } },
  }, async (request) =>
    json(unwrap(await getPersonalAccessToken(ctx, requireCaller(request), request.params.id))),
  );

  app.delete('/personal_access_tokens/:id', {
    schema: { tags, summary: 'Revoke a personal access token', params: TokenIdParams, response: { 204: NoContent('Revoked'), ...errorResponses(400, 401, 403, 404) } },
  }, async (request, reply) => {
    unwrap(await revokePersonalAccessToken(ctx, requireCaller(request), request.params.id));
    return reply.code(204).send();
  });

  app.post(
    '/personal_access_tokens/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate a personal access token',
        params: TokenIdParams,
        body: RotateBody,
        response: { 200: Ref(PersonalAccessTokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const grace = unwrap(parseGracePeriodSeconds(request.body?.grace_period_seconds));
      const issued = unwrap(await rotatePersonalAccessToken(ctx, requireCaller(request), request.params.id, request.body?.expires_at, grace));
      return withToken(json(issued.row), issued.token);
    },
  );
}
