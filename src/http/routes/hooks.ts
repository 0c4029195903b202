import { Type } from '@fastify/type-provider-typebox';
import { BRANCH_FILTER_STRATEGIES, eventFlagsOf, type StoredEventFlag } from '../../domain/web-hooks.js';
import { changeHook, createHook, getHook, listHooks, removeHook, type HookInput } from '../../services/webhooks.js';
import type { ResourceRef } from '../../services/resource-access-tokens.js';
import { requireCaller } from '../plugins/auth.js';
import { paramError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { HOOK_ENTITIES, toHookJson } from '../presenters/hooks.js';
import { errorResponses, Id, NoContent, PaginationQuery, Ref, StringEnum } from '../schemas.js';
import type { App } from '../types.js';
import { RESOURCE_ADMINS, resourceIdField, type ResourceRouteOptions } from './resource-access-tokens.js';

const HOOK_EXAMPLE = { url: 'https://hooks.example.com/gitlab', token: 'a shared secret', resource_access_token_events: true };
const UrlField = Type.String({ minLength: 1, maxLength: 2048, description: 'The hook URL (http or https)' });

/**
 * GET|POST /groups/:id/hooks, GET|PUT|DELETE /groups/:id/hooks/:hook_id, and the same under
 * /projects/:id (GitLab's group and project webhook APIs); registered once per kind.
 */
export async function hookRoutes(app: App, { ctx, kind }: ResourceRouteOptions) {
  const tags = [`${kind} hooks`];
  const base = `/${kind}s/:id/hooks`;
  const admins = RESOURCE_ADMINS[kind];
  const HookJson = Ref(HOOK_ENTITIES[kind]);
  const Params = Type.Object({ id: resourceIdField(kind) });
  const HookParams = Type.Object({ id: resourceIdField(kind), hook_id: Id({ description: `ID of the ${kind} hook` }) });
  const resource = (id: string): ResourceRef => ({ kind, ref: id });

  const flags = eventFlagsOf(kind);
  const hookFields = {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'Name of the hook' })),
    description: Type.Optional(Type.String({ maxLength: 2048, description: 'Description of the hook' })),
    token: Type.Optional(Type.String({ maxLength: 255, description: 'Secret sent as X-Gitlab-Token with every event; never returned' })),
    resource_access_token_events: Type.Optional(Type.Boolean({ description: 'Trigger on access token events: expiring (7 days) and expired' })),
    extended_grat_expiry_webhooks_execute: Type.Optional(
      Type.Boolean({ description: 'Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group or project setting)' }),
    ),
    enable_ssl_verification: Type.Optional(Type.Boolean({ description: 'Verify the TLS certificate of https URLs (default true)' })),
    push_events_branch_filter: Type.Optional(Type.String({ maxLength: 5000 })),
    branch_filter_strategy: Type.Optional(StringEnum(BRANCH_FILTER_STRATEGIES, { description: 'wildcard (default), regex or all_branches' })),
    ...(Object.fromEntries(flags.map((flag) => [flag, Type.Optional(Type.Boolean({ description: `Trigger on ${flag.replace(/_/g, ' ')} (stored; Tollgate fires access token events only)` }))])) as {
      [flag in StoredEventFlag]: ReturnType<typeof Type.Optional<ReturnType<typeof Type.Boolean>>>;
    }),
  };
  const CreateBody = Type.Object({ url: UrlField, ...hookFields }, { examples: [HOOK_EXAMPLE] });
  const UpdateBody = Type.Object({ url: Type.Optional(UrlField), ...hookFields }, { examples: [HOOK_EXAMPLE] });

  app.get(base, {
    schema: {
      tags,
      summary: `List ${kind} hooks (${admins})`,
      params: Params,
      querystring: Type.Object(PaginationQuery),
      response: { 200: Type.Array(HookJson, { description: 'The hooks, one page (see the pagination headers)' }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const page = pageOf(request.query);
    const { items, total } = unwrap(await listHooks(ctx, requireCaller(request), resource(request.params.id), page));
    setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
    return items.map((hook) => toHookJson(kind, hook));
  });

  app.get(`${base}/:hook_id`, { schema: { tags, summary: `Get a ${kind} hook (${admins})`, params: HookParams, response: { 200: HookJson, ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
    return toHookJson(kind, unwrap(await getHook(ctx, requireCaller(request), resource(request.params.id), request.params.hook_id)));
  });

  app.post(base, {
    schema: { tags, summary: `Add a ${kind} hook (${admins})`, params: Params, body: CreateBody, response: { 201: HookJson, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request, reply) => {
    const hook = unwrap(await createHook(ctx, requireCaller(request), resource(request.params.id), request.body as HookInput & { url: string }));
    return reply.code(201).send(toHookJson(kind, hook));
  });

  app.put(`${base}/:hook_id`, {
    schema: { tags, summary: `Edit a ${kind} hook (${admins})`, params: HookParams, body: UpdateBody, response: { 200: HookJson, ...errorResponses(400, 401, 403, 404, 422) } },
  }, async (request) => {
    const caller = requireCaller(request);
    const body = (request.body ?? {}) as HookInput;
    // Grape's at_least_one_of: an update with nothing to change is a parameter error.
    if (Object.values(body).every((value) => value === undefined)) {
      throw paramError(`url, name, description, token, ${flags.join(', ')}, resource_access_token_events, enable_ssl_verification are missing, at least one parameter must be provided`);
    }
    return toHookJson(kind, unwrap(await changeHook(ctx, caller, resource(request.params.id), request.params.hook_id, body)));
  });

  app.delete(`${base}/:hook_id`, { schema: { tags, summary: `Delete a ${kind} hook (${admins})`, params: HookParams, response: { 204: NoContent('Deleted'), ...errorResponses(400, 401, 403, 404) } } }, async (request, reply) => {
    unwrap(await removeHook(ctx, requireCaller(request), resource(request.params.id), request.params.hook_id));
    return reply.code(204).send();
  });
}
