import type { GroupRow } from '../../store/schema.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { VISIBILITIES } from '../../domain/permissions.js';
import { Entity, Nullable, StringEnum, Timestamp } from '../schemas.js';

export const GroupJson = Entity(
  Type.Object(
    {
      id: Type.Integer({ description: 'ID of the group' }),
      web_url: Type.String({ description: "The group's page", examples: ['https://tollgate.example.com/groups/platform/deploy'] }),
      name: Type.String({ description: 'Name of the group' }),
      path: Type.String({ description: 'Path of the group (its last URL segment)' }),
      description: Type.String({ description: 'Description of the group' }),
      visibility: StringEnum(VISIBILITIES, { description: 'private, internal or public' }),
      share_with_group_lock: Type.Boolean({ description: 'Always false here' }),
      require_two_factor_authentication: Type.Boolean({ description: 'Always false here' }),
      project_creation_level: Type.String({ description: 'Always developer here' }),
      subgroup_creation_level: Type.String({ description: 'Always maintainer here' }),
      lfs_enabled: Type.Boolean({ description: 'Always false here' }),
      avatar_url: Nullable(Type.String({ description: 'Avatar image; always null here' })),
      request_access_enabled: Type.Boolean({ description: 'Always false here' }),
      full_name: Type.String({ description: 'Names from the top-level group down, joined by " / "', examples: ['Platform / Deploy'] }),
      full_path: Type.String({ description: 'Paths from the top-level group down, joined by "/"', examples: ['platform/deploy'] }),
      created_at: Timestamp('When the group was created'),
      parent_id: Nullable(Type.Integer({ description: 'ID of the parent group; null for a top-level group' })),
      resource_access_token_creation_allowed: Type.Boolean({ description: 'Users can create group and project access tokens in this hierarchy (top-level groups decide)' }),
      resource_access_token_notify_inherited: Nullable(
        Type.Boolean({ description: 'Token expiry emails go to inherited Owners too; null inherits from the parent group or the instance' }),
      ),
      lock_resource_access_token_notify_inherited: Type.Boolean({ description: 'Subgroups cannot change resource_access_token_notify_inherited' }),
    },
    { $id: 'Group', description: "A group (GitLab's Group entity)" },
  ),
);

/** GitLab's Group entity; `fullName` is the names from the root down, joined by " / ". */
export function toGroupJson(group: GroupRow, fullName: string, externalUrl: string): Static<typeof GroupJson> {
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

