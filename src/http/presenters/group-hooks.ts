import { Type, type Static } from '@fastify/type-provider-typebox';
import { BRANCH_FILTER_STRATEGIES, STORED_EVENT_FLAGS, type StoredEventFlag } from '../../domain/web-hooks.js';
import type { WebHookRow } from '../../store/schema-lifecycle.js';
import { Entity, Nullable, StringEnum, Timestamp } from '../schemas.js';

const eventFlagFields = Object.fromEntries(
  STORED_EVENT_FLAGS.map((flag) => [flag, Type.Boolean({ description: `Trigger on ${flag.replace(/_/g, ' ')} (stored; Tollgate fires access token events only)` })]),
) as { [flag in StoredEventFlag]: ReturnType<typeof Type.Boolean> };

/** A key of a URL variable or custom header; GitLab never returns their values. */
const KeyOnly = Type.Object({ key: Type.String() }, { additionalProperties: true });

/** GitLab's GroupHook entity; the secret token never leaves the server. */
export const GroupHookJson = Entity(
  Type.Object(
    {
      id: Type.Integer({ description: 'ID of the hook' }),
      url: Type.String({ description: 'The hook URL' }),
      name: Type.String({ description: 'Name of the hook' }),
      description: Type.String({ description: 'Description of the hook' }),
      group_id: Type.Integer({ description: 'ID of the group' }),
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
    { $id: 'GroupHook', description: "A group webhook (GitLab's GroupHook entity), without its secret token" },
  ),
);

export function toHookJson(hook: WebHookRow): Static<typeof GroupHookJson> {
  const events = JSON.parse(hook.events) as Partial<Record<StoredEventFlag, boolean>>;
  const flags = Object.fromEntries(STORED_EVENT_FLAGS.map((flag) => [flag, events[flag] ?? false])) as Record<StoredEventFlag, boolean>;
  return {
    id: hook.id,
    url: hook.url,
    name: hook.name,
    description: hook.description,
    group_id: hook.group_id,
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
