import { randomBytes } from 'node:crypto';

/** The two kinds of resource that own access tokens (GitLab's `resource_type`). */
export type ResourceKind = 'group' | 'project';

/**
 * `group_{group_id}_bot_{32 hex}` (§1.3; seeds: bot users), `project_{project_id}_bot_{32 hex}`
 * for a project's bot (§10), a counter appended on collision.
 */
export function botUsername(resourceId: number, random: string = randomBytes(16).toString('hex'), counter = 0, kind: ResourceKind = 'group'): string {
  return `${kind}_${resourceId}_bot_${random}${counter > 0 ? counter : ''}`;
}

export function botEmail(username: string, host: string): string {
  return `${username}@noreply.${host}`;
}
