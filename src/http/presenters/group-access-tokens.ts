import type { GroupAccessToken, IssuedGroupAccessToken } from '../../services/group-access-tokens.js';
import { toTokenJson, tokenFields, tokenValueField, withToken } from './tokens.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { Entity, StringEnum } from '../schemas.js';

const groupAccessTokenFields = {
  ...tokenFields,
  access_level: Type.Integer({ description: "Role of the token's bot in the group: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner", examples: [40] }),
  resource_type: StringEnum(['group'] as const, { description: 'The kind of resource the token belongs to' }),
  resource_id: Type.Integer({ description: 'ID of the group the token belongs to' }),
};

export const GroupAccessTokenJson = Entity(
  Type.Object(groupAccessTokenFields, {
    $id: 'GroupAccessToken',
    description: "A group access token (GitLab's ResourceAccessToken entity), without the token itself",
  }),
);

export const GroupAccessTokenWithTokenJson = Entity(
  Type.Object(
    { ...groupAccessTokenFields, ...tokenValueField },
    { $id: 'GroupAccessTokenWithToken', description: 'A group access token with the token itself: the answer of create and rotate' },
  ),
);

/**
 * GitLab's ResourceAccessToken entity (§1.4): the personal access token fields,
 * then `access_level`, `resource_type` and `resource_id`, in that order. No `token` here.
 */
export function toGroupAccessTokenJson({ token, accessLevel, groupId }: GroupAccessToken, now: Date): Static<typeof GroupAccessTokenJson> {
  return {
    ...toTokenJson(token, now),
    access_level: accessLevel,
    resource_type: 'group' as const,
    resource_id: groupId,
  };
}

/** ResourceAccessTokenWithToken: only the create and rotate responses carry the plaintext. */
export const toIssuedGroupAccessTokenJson = (issued: IssuedGroupAccessToken, now: Date): Static<typeof GroupAccessTokenWithTokenJson> => withToken(toGroupAccessTokenJson(issued, now), issued.plaintext);
