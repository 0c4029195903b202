import type { UserRow } from '../../store/schema.js';

/** GitLab's UserBasic. */
export function toUserBasicJson(user: UserRow, externalUrl: string) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: null,
    web_url: `${externalUrl}/${user.username}`,
  };
}

/** GitLab's User (+ UserWithAdmin fields when `forAdmin`); email only for the user or an admin. */
export function toUserJson(user: UserRow, externalUrl: string, view: { self: boolean; forAdmin: boolean }) {
  return {
    ...toUserBasicJson(user, externalUrl),
    created_at: user.created_at,
    bio: '',
    bot: user.user_type === 'project_bot',
    ...(view.self || view.forAdmin
      ? { email: user.email, public_email: null, is_admin: user.is_admin === 1, external: user.external === 1 }
      : {}),
    ...(view.forAdmin ? { user_type: user.user_type === 'human' ? 'human' : user.user_type, note: null } : {}),
  };
}
