import { randomBytes } from 'node:crypto';

/** `group_{group_id}_bot_{32 hex}` (§1.3; seeds: bot users). */
export function botUsername(groupId: number, random: string = randomBytes(16).toString('hex'), counter = 0): string {
  return `group_${groupId}_bot_${random}${counter > 0 ? counter : ''}`;
}

export function botEmail(username: string, host: string): string {
  return `${username}@noreply.${host}`;
}
