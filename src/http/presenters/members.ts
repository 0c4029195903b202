import type { MemberWithUser } from '../../services/members.js';
import { toUserBasicJson } from './users.js';

export function toMemberJson({ member, user }: MemberWithUser, externalUrl: string) {
  return {
    ...toUserBasicJson(user, externalUrl),
    access_level: member.access_level,
    created_at: member.created_at,
    expires_at: member.expires_at,
    membership_state: 'active',
    bot: user.user_type === 'project_bot',
  };
}
