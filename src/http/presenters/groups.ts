import type { GroupRow } from '../../store/schema.js';

/** GitLab's Group entity; `fullName` is the names from the root down, joined by " / ". */
export function toGroupJson(group: GroupRow, fullName: string, externalUrl: string) {
  return {
    id: group.id,
    web_url: `${externalUrl}/groups/${group.full_path}`,
    name: group.name,
    path: group.path,
    description: group.description,
    visibility: group.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    project_creation_level: 'developer',
    subgroup_creation_level: 'maintainer',
    lfs_enabled: false,
    avatar_url: null,
    request_access_enabled: false,
    full_name: fullName,
    full_path: group.full_path,
    created_at: group.created_at,
    parent_id: group.parent_id,
    resource_access_token_creation_allowed: group.resource_access_token_creation_allowed === 1,
    resource_access_token_notify_inherited: group.resource_access_token_notify_inherited === null ? null : group.resource_access_token_notify_inherited === 1,
    lock_resource_access_token_notify_inherited: group.lock_resource_access_token_notify_inherited === 1,
  };
}

