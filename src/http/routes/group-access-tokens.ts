import { Type } from '@fastify/type-provider-typebox';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../../domain/scopes.js';
import {
  createGroupAccessToken,
  getGroupAccessToken,
  getSelfGroupAccessToken,
  listGroupAccessTokens,
  revokeGroupAccessToken,
  rotateGroupAccessToken,
  selfRotateGroupAccessToken,
} from '../../services/group-access-tokens.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { GroupAccessTokenJson, GroupAccessTokenWithTokenJson, toGroupAccessTokenJson, toIssuedGroupAccessTokenJson } from '../presenters/group-access-tokens.js';
import { errorResponses, IntegerEnum, NoContent, Ref, StringEnum } from '../schemas.js';
import { TokenListQuery, tokenFiltersFrom } from '../token-filters.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['group access tokens'];

export const GroupIdField = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'ID or URL-encoded full path of the group',
  examples: ['7', 'my-group%2Fmy-subgroup'],
});
const GroupParams = Type.Object({ id: GroupIdField });
// A string, as in GitLab: a value that is not a token id matches no token (404, not 400).
const TokenParams = Type.Object({
  id: GroupIdField,
  token_id: Type.String({ minLength: 1, maxLength: 255, description: 'ID of a group access token', examples: ['42'] }),
});

const ExpiresAt = (description: string) =>
  Type.Unsafe<string | null>({ type: 'string', format: 'date', nullable: true, description, examples: ['2027-01-31'] });

const CreateBody = Type.Object(
  {
    name: Type.String({ description: 'Name of the token, also the name of its bot user (at most 255 characters)', examples: ['test_token'] }),
    scopes: Type.Array(StringEnum(GROUP_ACCESS_TOKEN_SCOPES), {
      maxItems: 32,
      description: `Scopes of the token, at least one of: ${GROUP_ACCESS_TOKEN_SCOPES.join(', ')}`,
      examples: [['api', 'read_repository']],
    }),
    description: Type.Optional(Type.String({ description: 'Description of the token (at most 255 characters)', examples: ['Deploys from CI'] })),
    access_level: Type.Optional(
      IntegerEnum(ASSIGNABLE_ACCESS_LEVELS, {
        description: 'Role of the token: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer (default), 50 Owner; never above your own',
        examples: [30],
      }),
    ),
    expires_at: Type.Optional(
      ExpiresAt(
        'Expiry date (YYYY-MM-DD; the token stops working at 00:00 UTC that day), at most the maximum lifetime from today. ' +
          'Default: today + the maximum lifetime (365 days unless an administrator changed it); never, when expiry is not required',
      ),
    ),
  },
  { examples: [{ name: 'test_token', scopes: ['api', 'read_repository'], expires_at: '2027-01-31', access_level: 30, description: 'Deploys from CI' }] },
);

const RotateBody = Type.Object(
  { expires_at: Type.Optional(ExpiresAt('Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today')) },
  { examples: [{ expires_at: '2027-01-31' }, {}] },
);

const ListQuery = Type.Object({ ...TokenListQuery });

/** GET /groups/:id/access_tokens … — §2.1–§2.6 (and T1 for GET …/self). */
export async function groupAccessTokenRoutes(app: App, { ctx }: RouteOptions) {
  const now = () => ctx.clock.now();

  app.get(
    '/groups/:id/access_tokens',
    {
      schema: {
        tags,
        summary: 'List group access tokens',
        description: "Every token of the group's bots (direct members), active and inactive, filtered and sorted; Owners and administrators. Others: 401.",
        params: GroupParams,
        querystring: ListQuery,
        response: {
          200: Type.Array(Ref(GroupAccessTokenJson), { description: 'The tokens, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query);
      const filters = tokenFiltersFrom(request.query);
      const { tokens, total } = unwrap(await listGroupAccessTokens(ctx, requireCaller(request), request.params.id, filters, page));
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      const at = now();
      return tokens.map((token) => toGroupAccessTokenJson(token, at));
    },
  );

  // Like GET /personal_access_tokens/self, a token may always look at itself, whatever its scopes.
  app.get(
    '/groups/:id/access_tokens/self',
    {
      config: { anyScope: true },
      schema: {
        tags,
        summary: 'Get the group access token used to authenticate',
        description: 'Only with a group access token of this group (another group\'s: 401; a personal access token or a browser session: 405).',
        params: GroupParams,
        response: { 200: Ref(GroupAccessTokenJson), ...errorResponses(400, 401, 403, 404, 405) },
      },
    },
    async (request) => toGroupAccessTokenJson(unwrap(await getSelfGroupAccessToken(ctx, requireCaller(request), request.params.id)), now()),
  );

  app.get(
    '/groups/:id/access_tokens/:token_id',
    {
      schema: {
        tags,
        summary: 'Get a group access token',
        description: 'Owners and administrators (others: 401).',
        params: TokenParams,
        response: { 200: Ref(GroupAccessTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toGroupAccessTokenJson(unwrap(await getGroupAccessToken(ctx, requireCaller(request), request.params.id, request.params.token_id)), now()),
  );

  app.post(
    '/groups/:id/access_tokens',
    {
      schema: {
        tags,
        summary: 'Create a group access token',
        description: 'Owners and administrators, when the top-level group allows it; never with a group access token. The response is the only time the token is shown.',
        params: GroupParams,
        body: CreateBody,
        response: { 201: Ref(GroupAccessTokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { name, description, scopes, access_level, expires_at } = request.body;
      const issued = unwrap(
        await createGroupAccessToken(ctx, requireCaller(request), request.params.id, { name, description, scopes, accessLevel: access_level, expiresAt: expires_at }),
      );
      return reply.code(201).send(toIssuedGroupAccessTokenJson(issued, now()));
    },
  );

  app.post(
    '/groups/:id/access_tokens/self/rotate',
    {
      config: { extraScopes: ['self_rotate'] },
      schema: {
        tags,
        summary: 'Rotate the group access token used to authenticate',
        description: 'Needs the api or self_rotate scope. The old token is revoked at once; presenting it again revokes its successors (reuse detection).',
        params: GroupParams,
        body: RotateBody,
        response: { 200: Ref(GroupAccessTokenWithTokenJson), ...errorResponses(400, 401, 403, 404, 405) },
      },
    },
    async (request) => toIssuedGroupAccessTokenJson(unwrap(await selfRotateGroupAccessToken(ctx, requireCaller(request), request.params.id, request.body?.expires_at ?? undefined)), now()),
  );

  app.post(
    '/groups/:id/access_tokens/:token_id/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate a group access token',
        description: 'Revokes the token and returns its successor (same bot, name, description, scopes and role, new id). Owners and administrators; others: 401.',
        params: TokenParams,
        body: RotateBody,
        response: { 200: Ref(GroupAccessTokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      toIssuedGroupAccessTokenJson(
        unwrap(await rotateGroupAccessToken(ctx, requireCaller(request), request.params.id, request.params.token_id, request.body?.expires_at ?? undefined)),
        now(),
      ),
  );

  app.delete(
    '/groups/:id/access_tokens/:token_id',
    {
      schema: {
        tags,
        summary: 'Revoke a group access token',
        description: 'Owners and administrators. The bot user is kept; the token stays listed as inactive.',
        params: TokenParams,
        response: { 204: NoContent('Revoked'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      unwrap(await revokeGroupAccessToken(ctx, requireCaller(request), request.params.id, request.params.token_id));
      return reply.code(204).send();
    },
  );
}
