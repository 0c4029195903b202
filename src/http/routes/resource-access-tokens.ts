import { Type } from '@fastify/type-provider-typebox';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import type { ResourceKind } from '../../domain/bot-users.js';
import { parseGracePeriodSeconds } from '../../domain/rotation-grace.js';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../../domain/scopes.js';
import {
  createResourceAccessToken,
  getResourceAccessToken,
  getSelfResourceAccessToken,
  listResourceAccessTokens,
  revokeResourceAccessToken,
  rotateResourceAccessToken,
  selfRotateResourceAccessToken,
  type ResourceRef,
} from '../../services/resource-access-tokens.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { RESOURCE_ACCESS_TOKEN_ENTITIES, toIssuedResourceAccessTokenJson, toResourceAccessTokenJson } from '../presenters/resource-access-tokens.js';
import { errorResponses, IntegerEnum, NoContent, Ref, StringEnum } from '../schemas.js';
import { TokenListQuery, tokenFiltersFrom } from '../token-filters.js';
import { AllowedCidrsParam, GracePeriodSecondsParam } from './personal-access-tokens.js';
import type { App, RouteOptions } from '../types.js';

/** `:id` of `/groups/:id/…` and `/projects/:id/…`: an id or a URL-encoded full path. */
export const resourceIdField = (kind: ResourceKind) =>
  Type.String({
    minLength: 1,
    maxLength: 1024,
    description: `ID or URL-encoded full path of the ${kind}`,
    examples: kind === 'group' ? ['7', 'my-group%2Fmy-subgroup'] : ['12', 'my-group%2Fmy-project'],
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
    allowed_cidrs: AllowedCidrsParam,
  },
  { examples: [{ name: 'test_token', scopes: ['api', 'read_repository'], expires_at: '2027-01-31', access_level: 30, description: 'Deploys from CI' }] },
);

const RotateBody = Type.Object(
  {
    expires_at: Type.Optional(ExpiresAt('Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today')),
    grace_period_seconds: GracePeriodSecondsParam,
  },
  { examples: [{ expires_at: '2027-01-31' }, {}, { grace_period_seconds: 300 }] },
);

const ListQuery = Type.Object({ ...TokenListQuery });

/** What the summaries say of each kind: who administers it and manages its tokens and hooks (§2.0, §10). */
export const RESOURCE_ADMINS: Record<ResourceKind, string> = { group: 'Owners', project: 'Maintainers, Owners' };

export interface ResourceRouteOptions extends RouteOptions {
  /** `/groups/:id/…` or `/projects/:id/…`: one module serves both, as GitLab's API files do. */
  kind: ResourceKind;
}

/**
 * GET /groups|projects/:id/access_tokens … — §2.1–§2.6 (and T1 for GET …/self), §10; registered
 * once per kind (GitLab's `lib/api/resource_access_tokens.rb`).
 */
export async function resourceAccessTokenRoutes(app: App, { ctx, kind }: ResourceRouteOptions) {
  const now = () => ctx.clock.now();
  const tags = [`${kind} access tokens`];
  const base = `/${kind}s/:id/access_tokens`;
  const managers = RESOURCE_ADMINS[kind];
  const { token: TokenJson, withToken: TokenWithTokenJson } = RESOURCE_ACCESS_TOKEN_ENTITIES[kind];
  const Params = Type.Object({ id: resourceIdField(kind) });
  // A string, as in GitLab: a value that is not a token id matches no token (404, not 400).
  const TokenParams = Type.Object({
    id: resourceIdField(kind),
    token_id: Type.String({ minLength: 1, maxLength: 255, description: `ID of a ${kind} access token`, examples: ['42'] }),
  });
  const resource = (id: string): ResourceRef => ({ kind, ref: id });

  app.get(
    base,
    {
      schema: {
        tags,
        summary: `List ${kind} access tokens`,
        description: `Every token of the ${kind}'s bots (direct members), active and inactive, filtered and sorted; ${managers} and administrators. Others: 401.`,
        params: Params,
        querystring: ListQuery,
        response: {
          200: Type.Array(Ref(TokenJson), { description: 'The tokens, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query);
      const filters = tokenFiltersFrom(request.query);
      const { tokens, total } = unwrap(await listResourceAccessTokens(ctx, requireCaller(request), resource(request.params.id), filters, page));
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      const at = now();
      return tokens.map((token) => toResourceAccessTokenJson(token, at));
    },
  );

  // Like GET /personal_access_tokens/self, a token may always look at itself, whatever its scopes.
  app.get(
    `${base}/self`,
    {
      config: { anyScope: true },
      schema: {
        tags,
        summary: `Get the ${kind} access token used to authenticate`,
        description: `Only with a ${kind} access token of this ${kind} (another ${kind}'s: 401; a personal access token or a browser session: 405).`,
        params: Params,
        response: { 200: Ref(TokenJson), ...errorResponses(400, 401, 403, 404, 405) },
      },
    },
    async (request) => toResourceAccessTokenJson(unwrap(await getSelfResourceAccessToken(ctx, requireCaller(request), resource(request.params.id))), now()),
  );

  app.get(
    `${base}/:token_id`,
    {
      schema: {
        tags,
        summary: `Get a ${kind} access token`,
        description: `${managers} and administrators (others: 401).`,
        params: TokenParams,
        response: { 200: Ref(TokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      toResourceAccessTokenJson(unwrap(await getResourceAccessToken(ctx, requireCaller(request), resource(request.params.id), request.params.token_id)), now()),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: `Create a ${kind} access token`,
        description: `${managers} and administrators, when the top-level group allows it; never with an access token. The response is the only time the token is shown.`,
        params: Params,
        body: CreateBody,
        response: { 201: Ref(TokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { name, description, scopes, access_level, expires_at, allowed_cidrs } = request.body;
      const issued = unwrap(
        await createResourceAccessToken(ctx, requireCaller(request), resource(request.params.id), {
          name,
          description,
          scopes,
          accessLevel: access_level,
          expiresAt: expires_at,
          allowedCidrs: allowed_cidrs,
        }),
      );
      return reply.code(201).send(toIssuedResourceAccessTokenJson(issued, now()));
    },
  );

  app.post(
    `${base}/self/rotate`,
    {
      config: { extraScopes: ['self_rotate'] },
      schema: {
        tags,
        summary: `Rotate the ${kind} access token used to authenticate`,
        description:
          'Needs the api or self_rotate scope. The old token is revoked at once (or, with `grace_period_seconds`, when its window ends); ' +
          'presenting it again once revoked revokes its successors (reuse detection).',
        params: Params,
        body: RotateBody,
        response: { 200: Ref(TokenWithTokenJson), ...errorResponses(400, 401, 403, 404, 405) },
      },
    },
    async (request) => {
      const grace = unwrap(parseGracePeriodSeconds(request.body?.grace_period_seconds));
      const caller = requireCaller(request);
      return toIssuedResourceAccessTokenJson(unwrap(await selfRotateResourceAccessToken(ctx, caller, resource(request.params.id), request.body?.expires_at ?? undefined, grace)), now());
    },
  );

  app.post(
    `${base}/:token_id/rotate`,
    {
      schema: {
        tags,
        summary: `Rotate a ${kind} access token`,
        description: `Revokes the token and returns its successor (same bot, name, description, scopes and role, new id). ${managers} and administrators; others: 401.`,
        params: TokenParams,
        body: RotateBody,
        response: { 200: Ref(TokenWithTokenJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const grace = unwrap(parseGracePeriodSeconds(request.body?.grace_period_seconds));
      const caller = requireCaller(request);
      return toIssuedResourceAccessTokenJson(
        unwrap(await rotateResourceAccessToken(ctx, caller, resource(request.params.id), request.params.token_id, request.body?.expires_at ?? undefined, grace)),
        now(),
      );
    },
  );

  app.delete(
    `${base}/:token_id`,
    {
      schema: {
        tags,
        summary: `Revoke a ${kind} access token`,
        description: `${managers} and administrators. The bot user is kept; the token stays listed as inactive.`,
        params: TokenParams,
        response: { 204: NoContent('Revoked'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      unwrap(await revokeResourceAccessToken(ctx, requireCaller(request), resource(request.params.id), request.params.token_id));
      return reply.code(204).send();
    },
  );
}
