import type { GroupAccessToken, IssuedGroupAccessToken } from '../../services/group-access-tokens.js';
import { toTokenJson, withToken } from './tokens.js';

/**
 * GitLab's ResourceAccessToken entity (GITLAB-BEHAVIOR §1.4): the personal access token fields,
 * then `access_level`, `resource_type` and `resource_id`, in that order. No `token` here.
 */
export function toGroupAccessTokenJson({ token, accessLevel, groupId }: GroupAccessToken, now: Date) {
  return {
    ...toTokenJson(token, now),
    access_level: accessLevel,
    resource_type: 'group' as const,
    resource_id: groupId,
  };
}

/** ResourceAccessTokenWithToken: only the create and rotate responses carry the plaintext. */
export const toIssuedGroupAccessTokenJson = (issued: IssuedGroupAccessToken, now: Date) => withToken(toGroupAccessTokenJson(issued, now), issued.plaintext);
