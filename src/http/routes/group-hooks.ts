import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { BRANCH_FILTER_STRATEGIES, STORED_EVENT_FLAGS, type StoredEventFlag } from '../../domain/web-hooks.js';
import { resolveGroup } from '../../services/groups.js';
import { changeHook, createHook, getHook, listHooks, removeHook, type HookInput, type HookResult } from '../../services/webhooks.js';
import type { WebHookRow } from '../../store/schema-lifecycle.js';
import { caller } from '../plugins/auth.js';
import { HttpError, paramError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { PaginationQuery, ResourceIdParams, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['group hooks'];
const HookParams = Type.Object({ id: ResourceIdParams.properties.id, hook_id: Type.Integer({ minimum: 1, description: 'ID of the group hook' }) });

const eventFlags = Object.fromEntries(STORED_EVENT_FLAGS.map((flag) => [flag, Type.Optional(Type.Boolean({ description: `Trigger on ${flag.replace(/_/g, ' ')} (stored; Tollgate fires access token events only)` }))])) as {
  [flag in StoredEventFlag]: ReturnType<typeof Type.Optional<ReturnType<typeof Type.Boolean>>>;
};

const hookFields = {
  name: Type.Optional(Type.String({ maxLength: 255, description: 'Name of the hook' })),
  description: Type.Optional(Type.String({ maxLength: 2048, description: 'Description of the hook' })),
  token: Type.Optional(Type.String({ maxLength: 255, description: 'Secret sent as X-Gitlab-Token with every event; never returned' })),
  resource_access_token_events: Type.Optional(Type.Boolean({ description: 'Trigger on access token events: expiring (7 days) and expired' })),
  extended_grat_expiry_webhooks_execute: Type.Optional(
    Type.Boolean({ description: 'Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group setting)' }),
  ),
  enable_ssl_verification: Type.Optional(Type.Boolean({ description: 'Verify the TLS certificate of https URLs (default true)' })),
  push_events_branch_filter: Type.Optional(Type.String({ maxLength: 5000 })),
  branch_filter_strategy: Type.Optional(StringEnum(BRANCH_FILTER_STRATEGIES, { description: 'wildcard (default), regex or all_branches' })),
  ...eventFlags,
};
const UrlField = Type.String({ minLength: 1, maxLength: 2048, description: 'The hook URL (http or https)' });
const HOOK_EXAMPLE = { url: 'https://hooks.example.com/gitlab', token: 'a shared secret', resource_access_token_events: true };
const CreateBody = Type.Object({ url: UrlField, ...hookFields }, { examples: [HOOK_EXAMPLE] });
const UpdateBody = Type.Object({ url: Type.Optional(UrlField), ...hookFields }, { examples: [HOOK_EXAMPLE] });

/** GitLab's GroupHook entity; the secret token never leaves the server. */
export function toHookJson(hook: WebHookRow) {
  const events = JSON.parse(hook.events) as Record<string, boolean>;
  return {
    id: hook.id,
    url: hook.url,
    name: hook.name,
    description: hook.description,
    group_id: hook.group_id,
    created_at: hook.created_at,
    ...Object.fromEntries(STORED_EVENT_FLAGS.map((flag) => [flag, events[flag] ?? false])),
    push_events_branch_filter: hook.push_events_branch_filter,
    branch_filter_strategy: hook.branch_filter_strategy,
    resource_access_token_events: hook.resource_access_token_events === 1,
    extended_grat_expiry_webhooks_execute: hook.extended_grat_expiry_webhooks_execute === 1,
    enable_ssl_verification: hook.enable_ssl_verification === 1,
    alert_status: 'executable',
    disabled_until: null,
    url_variables: [],
    custom_webhook_template: null,
    custom_headers: [],
  };
}

/** GitLab answers an invalid hook with 422 and the model's errors by attribute. */
function unwrapHook<T>(result: HookResult<T>): T {
  if (!result.ok && 'invalid' in result) throw new HttpError(422, { message: result.invalid });
  return unwrap(result);
}

export async function groupHookRoutes(app: App, { ctx }: RouteOptions) {
  const db = ctx.database.db;
  const resolvedFor = async (request: FastifyRequest, id: string) => {
    const { actor } = caller(request);
    return { actor, resolved: unwrap(await resolveGroup(db, actor, id)) };
  };

  app.get('/groups/:id/hooks', { schema: { tags, summary: 'List group hooks (Owners)', params: ResourceIdParams, querystring: Type.Object(PaginationQuery) } }, async (request, reply) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    const page = pageOf(request.query);
    const { rows, total } = unwrap(await listHooks(ctx, actor, resolved, page));
    setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
    return rows.map(toHookJson);
  });

  app.get('/groups/:id/hooks/:hook_id', { schema: { tags, summary: 'Get a group hook (Owners)', params: HookParams } }, async (request) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    return toHookJson(unwrap(await getHook(ctx, actor, resolved, request.params.hook_id)));
  });

  app.post('/groups/:id/hooks', { schema: { tags, summary: 'Add a group hook (Owners)', params: ResourceIdParams, body: CreateBody } }, async (request, reply) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    const hook = unwrapHook(await createHook(ctx, actor, resolved, request.body as HookInput & { url: string }));
    return reply.code(201).send(toHookJson(hook));
  });

  app.put('/groups/:id/hooks/:hook_id', { schema: { tags, summary: 'Edit a group hook (Owners)', params: HookParams, body: UpdateBody } }, async (request) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    const body = (request.body ?? {}) as HookInput;
    // Grape's at_least_one_of: an update with nothing to change is a parameter error.
    if (Object.values(body).every((value) => value === undefined)) {
      throw paramError(`url, name, description, token, ${STORED_EVENT_FLAGS.join(', ')}, resource_access_token_events, enable_ssl_verification are missing, at least one parameter must be provided`);
    }
    return toHookJson(unwrapHook(await changeHook(ctx, actor, resolved, request.params.hook_id, body)));
  });

  app.delete('/groups/:id/hooks/:hook_id', { schema: { tags, summary: 'Delete a group hook (Owners)', params: HookParams } }, async (request, reply) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    unwrap(await removeHook(ctx, actor, resolved, request.params.hook_id));
    return reply.code(204).send();
  });
}
