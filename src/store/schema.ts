import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Column conventions (docs/decisions/0001-portable-columns.md): timestamps are ISO-8601 UTC text
 * with milliseconds (they sort as text), dates are 'YYYY-MM-DD' text, booleans are 0/1 integers,
 * lists are JSON text. One query then means the same on SQLite and PostgreSQL.
 */
type Flag = 0 | 1;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  name: string;
  state: 'active' | 'blocked';
  is_admin: Flag;
  external: Flag;
  user_type: 'human' | 'project_bot' | 'ghost';
  /** The group of a group access token's bot; null for everyone else, project bots included. */
  bot_namespace_id: number | null;
  /** The project of a project access token's bot (decision 0004); null for everyone else. */
  bot_project_id: number | null;
  password_digest: string | null;
  created_at: string;
  updated_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  path: string;
  full_path: string;
  parent_id: number | null;
  /** Ancestor ids and own id, "/1/5/9/": descendants are `LIKE '/1/5/%'`. */
  traversal: string;
  visibility: 'private' | 'internal' | 'public';
  description: string;
  resource_access_token_creation_allowed: Flag;
  resource_access_token_notify_inherited: Flag | null;
  lock_resource_access_token_notify_inherited: Flag;
  created_at: string;
  updated_at: string;
}

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  path: string;
  group_id: number;
  visibility: 'private' | 'internal' | 'public';
  description: string;
  creator_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface MembersTable {
  id: Generated<number>;
  user_id: number;
  source_type: 'group' | 'project';
  source_id: number;
  access_level: number;
  expires_at: string | null;
  created_by_id: number | null;
  /** 1 when the member is a bot user (`project_bot`): a resource's bots without reading users (decision 0007). */
  bot: Flag;
  created_at: string;
  updated_at: string;
}

export interface PersonalAccessTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  description: string | null;
  /** JSON array of scope names, in the order given. */
  scopes: string;
  token_digest: string;
  expires_at: string | null;
  revoked: Flag;
  revoked_at: string | null;
  last_used_at: string | null;
  /** JSON array of up to 5 IPs, newest last. */
  last_used_ips: string;
  impersonation: Flag;
  previous_personal_access_token_id: number | null;
  /** Root group of a group bot's token (GitLab's set_group_id). */
  group_id: number | null;
  created_at: string;
  updated_at: string;
  sixty_days_notification_sent_at: string | null;
  thirty_days_notification_sent_at: string | null;
  seven_days_notification_sent_at: string | null;
  after_expiry_notification_sent_at: string | null;
  /** Tollgate's own (issue 13): JSON array of the networks the token works from; `[]`: anywhere. */
  allowed_cidrs: Generated<string>;
  /** Tollgate's own (issue 13): the end of a rotated token's overlap window; null when it has none. */
  rotation_grace_ends_at: string | null;
}

export interface SettingsTable {
  key: string;
  /** JSON value. */
  value: string;
}

export interface InstanceMetaTable {
  key: string;
  value: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  author_id: number | null;
  author_name: string;
  entity_type: 'Group' | 'User' | 'Project' | 'Instance';
  entity_id: number;
  entity_path: string;
  event_name: string;
  target_type: string | null;
  target_id: number | null;
  target_details: string | null;
  ip_address: string | null;
  /** JSON object with the event's particulars. */
  details: string;
  created_at: string;
}

export interface IssuesTable {
  id: Generated<number>;
  project_id: number;
  iid: number;
  title: string;
  description: string | null;
  author_id: number;
  state: 'opened' | 'closed';
  created_at: string;
  updated_at: string;
}

export interface Schema {
  users: UsersTable;
  groups: GroupsTable;
  projects: ProjectsTable;
  members: MembersTable;
  personal_access_tokens: PersonalAccessTokensTable;
  settings: SettingsTable;
  instance_meta: InstanceMetaTable;
  audit_events: AuditEventsTable;
  issues: IssuesTable;
  auth_invalidations: AuthInvalidationsTable;
}

/** Written by triggers only (migration 0008): whose tokens changed, for the authentication caches. */
export interface AuthInvalidationsTable {
  id: Generated<number>;
  user_id: number;
  created_at: string;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type GroupRow = Selectable<GroupsTable>;
export type GroupUpdate = Updateable<GroupsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type MemberRow = Selectable<MembersTable>;
export type TokenRow = Selectable<PersonalAccessTokensTable>;
export type NewTokenRow = Insertable<PersonalAccessTokensTable>;
/** The columns a token's JSON shows (src/http/presenters/tokens.ts). */
export type TokenView = Pick<
  TokenRow,
  'id' | 'name' | 'description' | 'revoked' | 'revoked_at' | 'expires_at' | 'created_at' | 'scopes' | 'user_id' | 'last_used_at' | 'last_used_ips' | 'allowed_cidrs' | 'rotation_grace_ends_at'
>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type IssueRow = Selectable<IssuesTable>;
