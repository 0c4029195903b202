import { Type, type Static } from '@fastify/type-provider-typebox';
import type { ResourceKind } from '../../domain/bot-users.js';
import type { IssuedResourceAccessToken, ResourceAccessToken } from '../../services/resource-access-tokens.js';
import { Entity, StringEnum } from '../schemas.js';
import { toTokenJson, tokenFields, tokenValueField, withToken } from './tokens.js';

/**
 * GitLab's ResourceAccessToken entity (§1.4, §10), one presenter for both kinds: the personal
 * access token fields, then `access_level`, `resource_type` and `resource_id`, in that order. The
 * schemas are named per kind (`GroupAccessToken`, `ProjectAccessToken`, each `…WithToken`), as
 * GitLab documents them, so each route's schema pins its `resource_type`.
 */
function entitiesOf<const K extends ResourceKind>(kind: K, name: string) {
  const fields = {
    ...tokenFields,
    access_level: Type.Integer({ description: `Role of the token's bot in the ${kind}: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner`, examples: [40] }),
    resource_type: StringEnum([kind] as const, { description: 'The kind of resource the token belongs to' }),
    resource_id: Type.Integer({ description: `ID of the ${kind} the token belongs to` }),
  };
  return {
    token: Entity(Type.Object(fields, { $id: name, description: `A ${kind} access token (GitLab's ResourceAccessToken entity), without the token itself` })),
    withToken: Entity(
      Type.Object({ ...fields, ...tokenValueField }, { $id: `${name}WithToken`, description: `A ${kind} access token with the token itself: the answer of create and rotate` }),
    ),
  };
}

export const RESOURCE_ACCESS_TOKEN_ENTITIES = {
  group: entitiesOf('group', 'GroupAccessToken'),
  project: entitiesOf('project', 'ProjectAccessToken'),
};

export const GroupAccessTokenJson = RESOURCE_ACCESS_TOKEN_ENTITIES.group.token;
export const GroupAccessTokenWithTokenJson = RESOURCE_ACCESS_TOKEN_ENTITIES.group.withToken;

export type ResourceAccessTokenJson = Static<typeof GroupAccessTokenJson> | Static<typeof RESOURCE_ACCESS_TOKEN_ENTITIES.project.token>;

/** No `token` here. */
export function toResourceAccessTokenJson({ token, accessLevel, kind, resourceId }: ResourceAccessToken, now: Date) {
  return { ...toTokenJson(token, now), access_level: accessLevel, resource_type: kind, resource_id: resourceId };
}

/** ResourceAccessTokenWithToken: only the create and rotate responses carry the plaintext. */
export const toIssuedResourceAccessTokenJson = (issued: IssuedResourceAccessToken, now: Date) => withToken(toResourceAccessTokenJson(issued, now), issued.plaintext);
