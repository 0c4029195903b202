import { Type, type Static, type TBoolean, type TInteger } from '@fastify/type-provider-typebox';
import type { ResourceKind } from '../../domain/bot-users.js';
import { BRANCH_FILTER_STRATEGIES, eventFlagsOf, type StoredEventFlag } from '../../domain/web-hooks.js';
import type { WebHookRow } from '../../store/schema-lifecycle.js';
import { Entity, Nullable, StringEnum, Timestamp } from '../schemas.js';

/** A key of a URL variable or custom header; GitLab never returns their values. */
const KeyOnly = Type.Object({ key: Type.String() }, { additionalProperties: true });

/**
 * GitLab's GroupHook and ProjectHook entities, one presenter for both: `group_id` or `project_id`,
 * and the event flags of the kind. The secret token never leaves the server.
 */
function hookEntity(kind: ResourceKind, name: string) {
  const eventFlagFields = Object.fromEntries(
    eventFlagsOf(kind).map((flag) => [flag, Type.Boolean({ description: `Trigger on ${flag.replace(/_/g, ' ')} (stored; Tollgate fires access token events only)` })]),
  ) as { [flag in StoredEventFlag]: TBoolean };
  const owner = { [`${kind}_id`]: Type.Integer({ description: `ID of the ${kind}` }) } as { group_id: TInteger };
  return Entity(
    Type.Object(
      {
        id: Type.Integer({ description: 'ID of the hook' }),
        url: Type.String({ description: 'The hook URL' }),
        name: Type.String({ description: 'Name of the hook' }),
        description: Type.String({ description: 'Description of the hook' }),
        ...owner,
        created_at: Timestamp('When the hook was added'),
        ...eventFlagFields,
        push_events_branch_filter: Nullable(Type.String({ description: 'Branches whose pushes trigger the hook' })),
        branch_filter_strategy: StringEnum(BRANCH_FILTER_STRATEGIES, { description: 'wildcard, regex or all_branches' }),
        resource_access_token_events: Type.Boolean({ description: 'Trigger on access token events: expiring (7 days) and expired' }),
        extended_grat_expiry_webhooks_execute: Type.Boolean({ description: 'Also trigger access token events at 60 and 30 days before expiry' }),
        enable_ssl_verification: Type.Boolean({ description: 'Verify the TLS certificate of https URLs' }),
        alert_status: Type.String({ description: 'Always executable here' }),
        disabled_until: Nullable(Timestamp('Always null here')),
        url_variables: Type.Array(KeyOnly, { description: 'Always empty here' }),
        custom_webhook_template: Nullable(Type.String({ description: 'Always null here' })),
        custom_headers: Type.Array(KeyOnly, { description: 'Always empty here' }),
      },
      { $id: name, description: `A ${kind} webhook (GitLab's ${name} entity), without its secret token` },
    ),
  );
}

export const HOOK_ENTITIES = {
  group: hookEntity('group', 'GroupHook'),
  project: hookEntity('project', 'ProjectHook'),
};

/** What both entities share (the owner's id under its kind's name). */
type HookJson = Static<ReturnType<typeof hookEntity>>;

export function toHookJson(kind: ResourceKind, hook: WebHookRow): HookJson {
  const events = JSON.parse(hook.events) as Partial<Record<StoredEventFlag, boolean>>;
  const flags = Object.fromEntries(eventFlagsOf(kind).map((flag) => [flag, events[flag] ?? false])) as Record<StoredEventFlag, boolean>;
  const owner = kind === 'group' ? { group_id: hook.group_id } : { project_id: hook.project_id };
  return {
    id: hook.id,
    url: hook.url,
    name: hook.name,
    description: hook.description,
    ...(owner as { group_id: number }),
    created_at: hook.created_at,
    ...flags,
    push_events_branch_filter: hook.push_events_branch_filter,
    // Stored only after validation against the same list.
    branch_filter_strategy: hook.branch_filter_strategy as (typeof BRANCH_FILTER_STRATEGIES)[number],
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
