import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../domain/settings.js';
import type { WebHookRow } from '../../store/schema-lifecycle.js';
import type { AuditEventRow, GroupRow, IssueRow, MemberRow, ProjectRow, TokenRow, UserRow } from '../../store/schema.js';
import { registerResponseSchemas } from '../plugins/response-schemas.js';
import { GitLabError, Ref, type TSchema } from '../schemas.js';
import { ApplicationSettingsJson } from './application-settings.js';
import { AuditEventJson, toAuditEventJson } from './audit-events.js';
import { GroupAccessTokenJson, GroupAccessTokenWithTokenJson, RESOURCE_ACCESS_TOKEN_ENTITIES, toIssuedResourceAccessTokenJson, toResourceAccessTokenJson } from './resource-access-tokens.js';
import { HOOK_ENTITIES, toHookJson } from './hooks.js';
import { GroupJson, toGroupJson } from './groups.js';
import { MailQueueJson } from './mail-queue.js';
import { MemberJson, toMemberJson } from './members.js';
import { IssueJson, ProjectJson, toIssueJson, toProjectJson } from './projects.js';
import { PersonalAccessTokenJson, PersonalAccessTokenWithTokenJson, toTokenJson, withToken } from './tokens.js';
import { SessionJson, toUserBasicJson, toUserJson, UserBasicJson, UserJson } from './users.js';

/**
 * The response schemas are the output whitelist: fast-json-stringify writes only the properties a
 * schema lists, in the schema's order, and coerces values to the declared types. Each presenter's
 * output, sent through its schema as a route would send it, must come out exactly as
 * JSON.stringify writes it: no field dropped, none reordered, null kept, no value coerced.
 */
const URL = 'https://tollgate.example.com';
const NOW = new Date('2026-06-15T12:00:00.000Z');
const AT = '2026-06-01T08:30:00.123Z';

const user = (over: Partial<UserRow> = {}): UserRow => ({
  id: 7,
  username: 'ada',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  state: 'active',
  is_admin: 0,
  external: 0,
  user_type: 'human',
  bot_namespace_id: null,
  bot_project_id: null,
  password_digest: null,
  created_at: AT,
  updated_at: AT,
  ...over,
});
const bot = user({ id: 8, username: 'group_3_bot_0123', name: 'ci', user_type: 'project_bot', email: 'group_3_bot@noreply.tollgate.example.com' });
const token = (over: Partial<TokenRow> = {}): TokenRow => ({
  id: 42,
  user_id: 8,
  name: 'ci',
  description: null,
  scopes: '["api","read_repository"]',
  token_digest: 'digest',
  expires_at: null,
  revoked: 0,
  revoked_at: null,
  last_used_at: null,
  last_used_ips: '[]',
  impersonation: 0,
  previous_personal_access_token_id: null,
  group_id: 3,
  created_at: AT,
  updated_at: AT,
  sixty_days_notification_sent_at: null,
  thirty_days_notification_sent_at: null,
  seven_days_notification_sent_at: null,
  after_expiry_notification_sent_at: null,
  allowed_cidrs: '[]',
  rotation_grace_ends_at: null,
  ...over,
});
const used = token({ description: 'Deploys', expires_at: '2026-06-10', revoked: 1, revoked_at: AT, last_used_at: AT, last_used_ips: '["192.0.2.1","2001:db8::1"]' });
const group = (over: Partial<GroupRow> = {}): GroupRow => ({
  id: 3,
  name: 'Platform',
  path: 'platform',
  full_path: 'platform',
  parent_id: null,
  traversal: '/3/',
  visibility: 'private',
  description: '',
  resource_access_token_creation_allowed: 1,
  resource_access_token_notify_inherited: null,
  lock_resource_access_token_notify_inherited: 0,
  created_at: AT,
  updated_at: AT,
  ...over,
});
const subgroup = group({ id: 4, name: 'Deploy', path: 'deploy', full_path: 'platform/deploy', parent_id: 3, traversal: '/3/4/', resource_access_token_notify_inherited: 1 });
const project = (over: Partial<ProjectRow> = {}): ProjectRow => ({
  id: 5,
  name: 'api-server',
  path: 'api-server',
  group_id: 4,
  visibility: 'internal',
  description: 'The API',
  creator_id: null,
  created_at: AT,
  updated_at: AT,
  ...over,
});
const issue = (over: Partial<IssueRow> = {}): IssueRow => ({
  id: 11,
  project_id: 5,
  iid: 1,
  title: 'Nightly build failed',
  description: null,
  author_id: 8,
  state: 'opened',
  created_at: AT,
  updated_at: AT,
  ...over,
});
const member: MemberRow = { id: 1, user_id: 8, source_type: 'group', source_id: 3, access_level: 40, expires_at: null, created_by_id: null, bot: 0, created_at: AT, updated_at: AT };
const auditEvent = (details: Record<string, unknown>, over: Partial<AuditEventRow> = {}): AuditEventRow => ({
  id: 9,
  author_id: 7,
  author_name: 'ada',
  entity_type: 'Group',
  entity_id: 3,
  entity_path: 'platform',
  event_name: 'group_access_token_created',
  target_type: 'PersonalAccessToken',
  target_id: 42,
  target_details: 'ci',
  ip_address: '192.0.2.1',
  details: JSON.stringify(details),
  created_at: AT,
  ...over,
});
const hook: WebHookRow = {
  id: 2,
  group_id: 3,
  project_id: null,
  url: 'https://hooks.example.com/gitlab',
  name: 'tokens',
  description: '',
  token_ciphertext: 'secret',
  resource_access_token_events: 1,
  extended_grat_expiry_webhooks_execute: 0,
  enable_ssl_verification: 1,
  events: '{"push_events":true,"member_events":true}',
  push_events_branch_filter: null,
  branch_filter_strategy: 'wildcard',
  uuid: 'b6f0c1f4-7f1e-4d55-9d6b-0f6f6c0b6c55',
  created_at: AT,
  updated_at: AT,
};

/** [what, schema, value, exact]: `exact` compares the bytes (order included), otherwise the parsed JSON. */
const CASES: [string, TSchema, unknown, boolean][] = [
  ['a personal access token, never used', PersonalAccessTokenJson, toTokenJson(token({ group_id: null }), NOW), true],
  ['a revoked, expired, used personal access token', PersonalAccessTokenJson, toTokenJson(used, NOW), true],
  ['a new personal access token', PersonalAccessTokenWithTokenJson, withToken(toTokenJson(token(), NOW), 'glpat-secret'), true],
  ['a group access token', GroupAccessTokenJson, toResourceAccessTokenJson({ token: used, accessLevel: 40, kind: 'group', resourceId: 3 }, NOW), true],
  ['a new group access token', GroupAccessTokenWithTokenJson, toIssuedResourceAccessTokenJson({ token: token(), accessLevel: 30, kind: 'group', resourceId: 3, plaintext: 'glpat-secret' }, NOW), true],
  ['a project access token', RESOURCE_ACCESS_TOKEN_ENTITIES.project.token, toResourceAccessTokenJson({ token: used, accessLevel: 40, kind: 'project', resourceId: 5 }, NOW), true],
  ['a new project access token', RESOURCE_ACCESS_TOKEN_ENTITIES.project.withToken, toIssuedResourceAccessTokenJson({ token: token(), accessLevel: 30, kind: 'project', resourceId: 5, plaintext: 'glpat-secret' }, NOW), true],
  ['a user as others see them', UserBasicJson, toUserBasicJson(user({ state: 'blocked' }), URL), true],
  ['a user seen by another user', UserJson, toUserJson(user(), URL, { self: false, forAdmin: false }), true],
  ['a user seen by themself', UserJson, toUserJson(user(), URL, { self: true, forAdmin: false }), true],
  ['a bot seen by an administrator', UserJson, toUserJson(bot, URL, { self: false, forAdmin: true }), true],
  ['an administrator seen by themself', UserJson, toUserJson(user({ is_admin: 1, external: 1 }), URL, { self: true, forAdmin: true }), true],
  ['a session', SessionJson, { user: toUserJson(user(), URL, { self: true, forAdmin: false }), csrf_token: 'csrf' }, true],
  ['a top-level group', GroupJson, toGroupJson(group(), 'Platform', URL), true],
  ['a subgroup', GroupJson, toGroupJson(subgroup, 'Platform / Deploy', URL), true],
  ['a member', MemberJson, toMemberJson({ member, user: bot }, URL), true],
  ['a member until a date', MemberJson, toMemberJson({ member: { ...member, expires_at: '2027-01-31' }, user: user() }, URL), true],
  ['a project', ProjectJson, toProjectJson(project(), subgroup, 'Platform / Deploy', URL), true],
  ['a project with its creator', ProjectJson, toProjectJson(project({ creator_id: 7 }), group(), 'Platform', URL), true],
  ['an issue', IssueJson, toIssueJson(issue(), project(), subgroup, bot, URL), true],
  ['an issue with a description', IssueJson, toIssueJson(issue({ description: 'Opened by CI', state: 'closed' }), project(), subgroup, bot, URL), true],
  // In `details`, the listed keys come first, then the event's own particulars (the order of a map's keys).
  ['an audit event', AuditEventJson, toAuditEventJson(auditEvent({ custom_message: 'Created group access token' })), false],
  ['an audit event with particulars of its own', AuditEventJson, toAuditEventJson(auditEvent({ custom_message: 'Rotated', token_id: 42, scopes: ['api'], nested: { a: [1, null] } })), false],
  ['an audit event of the console', AuditEventJson, toAuditEventJson(auditEvent({}, { author_id: null, ip_address: null, target_id: null, target_type: null, target_details: null })), true],
  ['a group hook', HOOK_ENTITIES.group, toHookJson('group', hook), true],
  ['a project hook', HOOK_ENTITIES.project, toHookJson('project', { ...hook, project_id: 5 }), true],
  ['the instance settings', ApplicationSettingsJson, { ...DEFAULT_SETTINGS }, true],
  ['the instance settings, retention off', ApplicationSettingsJson, { ...DEFAULT_SETTINGS, inactive_resource_access_tokens_delete_after_days: null }, true],
  ['the instance settings with a key the schema does not list yet', ApplicationSettingsJson, { ...DEFAULT_SETTINGS, some_new_setting: 3 }, true],
  ['the mail queue', MailQueueJson, { queued: 1, sent: 2, failed: 0, last_error: null, last_error_at: null, transport: 'eml' }, true],
  ['the mail queue after an error', MailQueueJson, { queued: 1, sent: 2, failed: 1, last_error: 'Connection refused', last_error_at: AT, transport: 'smtp' }, true],
  ['an error', GitLabError, { message: '404 Group Not Found' }, true],
  ['an invalid model', GitLabError, { message: { url: ['is blocked: Requests to the local network are not allowed'] } }, true],
  ['a parameter error', GitLabError, { error: 'name is missing' }, true],
  ['an expired token', GitLabError, { error: 'invalid_token', error_description: 'Token is expired. You can either do re-authorization or token refresh.' }, true],
  ['a missing scope', GitLabError, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api read_api' }, true],
  ['an error in detail', GitLabError, { message: '400 Bad request - Expires at is invalid', code: 'expires_at_invalid', fields: [{ field: 'expires_at', message: 'is invalid' }] }, true],
];

describe('each presenter through its response schema', () => {
  const app = Fastify();
  beforeAll(async () => {
    registerResponseSchemas(app);
    CASES.forEach(([, schema, value], i) => app.get(`/${i}`, { schema: { response: { 200: Ref(schema) } } }, async () => value));
    await app.ready();
  });
  afterAll(() => app.close());

  it.each(CASES.map(([what], i) => [what, i] as const))('%s', async (_what, i) => {
    const [, , value, exact] = CASES[i]!;
    const res = await app.inject({ method: 'GET', url: `/${i}` });
    expect(res.statusCode).toBe(200);
    if (exact) expect(res.body).toBe(JSON.stringify(value));
    else expect(res.json()).toEqual(JSON.parse(JSON.stringify(value)));
  });
});
