import type { UserRow } from '../../store/schema.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { Entity, Nullable, Ref, StringEnum, Timestamp } from '../schemas.js';

export const userBasicFields = {
  id: Type.Integer({ description: 'ID of the user' }),
  username: Type.String({ description: 'Username', examples: ['ada'] }),
  name: Type.String({ description: 'Display name' }),
  state: StringEnum(['active', 'blocked'] as const, { description: 'active or blocked' }),
  locked: Type.Boolean({ description: 'Locked out after failed sign-ins; always false here' }),
  avatar_url: Nullable(Type.String({ description: 'Avatar image; always null here' })),
  web_url: Type.String({ description: "The user's page", examples: ['https://tollgate.example.com/ada'] }),
};

export const UserBasicJson = Entity(Type.Object(userBasicFields, { $id: 'UserBasic', description: "A user as others see them (GitLab's UserBasic)" }));

export const UserJson = Entity(
  Type.Object(
    {
      ...userBasicFields,
      created_at: Timestamp('When the user was created'),
      bio: Type.String({ description: 'Biography; always empty here' }),
      bot: Type.Boolean({ description: 'A bot user (the user of a group access token)' }),
      email: Type.Optional(Type.String({ description: 'Email address (the user themself and administrators only)' })),
      public_email: Type.Optional(Nullable(Type.String({ description: 'Public email address; always null here (the user themself and administrators only)' }))),
      is_admin: Type.Optional(Type.Boolean({ description: 'An administrator (the user themself and administrators only)' })),
      external: Type.Optional(Type.Boolean({ description: 'An external user (the user themself and administrators only)' })),
      user_type: Type.Optional(StringEnum(['human', 'project_bot', 'ghost'] as const, { description: 'human, project_bot or ghost (administrators only)' })),
      note: Type.Optional(Nullable(Type.String({ description: 'Administrator note; always null here (administrators only)' }))),
    },
    { $id: 'User', description: "A user (GitLab's User, with the UserWithAdmin fields for administrators)" },
  ),
);

export const SessionJson = Entity(
  Type.Object(
    {
      user: Ref(UserJson),
      csrf_token: Type.String({ description: 'Send it as X-CSRF-Token with every write made with the session cookie' }),
    },
    { $id: 'Session', description: 'The signed-in user of a browser session and its CSRF token' },
  ),
);

/** GitLab's UserBasic. */
export function toUserBasicJson(user: UserRow, externalUrl: string): Static<typeof UserBasicJson> {
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
export function toUserJson(user: UserRow, externalUrl: string, view: { self: boolean; forAdmin: boolean }): Static<typeof UserJson> {
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
