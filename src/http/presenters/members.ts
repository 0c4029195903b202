import type { MemberWithUser } from '../../services/members.js';
import { toUserBasicJson, userBasicFields } from './users.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { DateString, Entity, Nullable, Timestamp } from '../schemas.js';

export const MemberJson = Entity(
  Type.Object(
    {
      ...userBasicFields,
      access_level: Type.Integer({ description: 'Role: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner', examples: [30] }),
      created_at: Timestamp('When the membership was created'),
      expires_at: Nullable(DateString('When the membership ends; null if never')),
      membership_state: Type.String({ description: 'Always active here' }),
      bot: Type.Boolean({ description: 'A bot user (the user of a group or project access token)' }),
    },
    { $id: 'Member', description: "A member of a group or project: the user and their role (GitLab's Member entity)" },
  ),
);

export function toMemberJson({ member, user }: MemberWithUser, externalUrl: string): Static<typeof MemberJson> {
  return {
    ...toUserBasicJson(user, externalUrl),
    access_level: member.access_level,
    created_at: member.created_at,
    expires_at: member.expires_at,
    membership_state: 'active',
    bot: user.user_type === 'project_bot',
  };
}
