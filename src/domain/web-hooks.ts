/**
 * Group and project webhooks (GitLab's GroupHook and ProjectHook, `doc/api/group_webhooks.md`,
 * `doc/api/project_webhooks.md`). Tollgate fires only access token events; the other event flags
 * are accepted, stored and shown so GitLab clients can manage hooks unchanged.
 */
export const STORED_EVENT_FLAGS = [
  'push_events',
  'tag_push_events',
  'merge_requests_events',
  'repository_update_events',
  'issues_events',
  'confidential_issues_events',
  'note_events',
  'confidential_note_events',
  'pipeline_events',
  'wiki_page_events',
  'job_events',
  'deployment_events',
  'feature_flag_events',
  'releases_events',
  'subgroup_events',
  'emoji_events',
  'member_events',
  'project_events',
  'milestone_events',
  'vulnerability_events',
] as const;
export type StoredEventFlag = (typeof STORED_EVENT_FLAGS)[number];

/** Events of a group's own life, which only group hooks have. */
const GROUP_ONLY_EVENT_FLAGS: readonly StoredEventFlag[] = ['subgroup_events', 'member_events', 'project_events'];

/** The event flags a hook of this kind has: a project hook lacks the group-only ones. */
export const eventFlagsOf = (kind: 'group' | 'project'): StoredEventFlag[] =>
  STORED_EVENT_FLAGS.filter((flag) => kind === 'group' || !GROUP_ONLY_EVENT_FLAGS.includes(flag));

/** GitLab's column defaults: push events on, everything else off. */
export const DEFAULT_EVENT_FLAGS: Record<StoredEventFlag, boolean> = Object.fromEntries(
  STORED_EVENT_FLAGS.map((flag) => [flag, flag === 'push_events']),
) as Record<StoredEventFlag, boolean>;

export const BRANCH_FILTER_STRATEGIES = ['wildcard', 'regex', 'all_branches'] as const;

/** The X-Gitlab-Event header of access token events. */
export const RESOURCE_ACCESS_TOKEN_HOOK_EVENT = 'Resource Access Token Hook';

/** GitLab's WebHook validation: a token travels in a header, so it cannot span lines. */
export function hookTokenError(token: string): string | null {
  return /[\r\n]/.test(token) ? 'is invalid' : null;
}

/** GitLab's hook timestamps: "2024-01-24 16:27:40 UTC". */
export function hookTimestamp(iso: string | null): string | null {
  return iso === null ? null : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
