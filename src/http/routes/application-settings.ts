import { Type } from '@fastify/type-provider-typebox';
import { DEFAULT_SETTINGS } from '../../domain/settings.js';
import { instanceSettings, updateSettings } from '../../services/settings.js';
import { requireAdmin } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { ApplicationSettingsJson } from '../presenters/application-settings.js';
import { errorResponses, MAX_INTEGER, MIN_INTEGER, Ref, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['application settings'];

/**
 * A number setting: any integer the database holds. Its own range is the domain's (settingError),
 * which answers with GitLab's message for the setting ("… must be an integer between 1 and 400").
 */
const SettingInteger = (options: { description?: string } = {}) => Type.Integer({ minimum: MIN_INTEGER, maximum: MAX_INTEGER, ...options });

/** Every setting Tollgate honours; an update takes any subset of them. */
const SettingsBody = Type.Object({
  personal_access_token_prefix: Type.Optional(Type.String({ maxLength: 20, description: `Prefix of new tokens (default ${DEFAULT_SETTINGS.personal_access_token_prefix})` })),
  max_personal_access_token_lifetime: Type.Optional(SettingInteger({ description: 'Maximum token lifetime in days, 1..400 (default 365)' })),
  require_personal_access_token_expiry: Type.Optional(Type.Boolean({ description: 'Tokens must expire (default true)' })),
  inactive_resource_access_tokens_delete_after_days: Type.Optional(
    // A type list, not a union: with type coercion on, a union's first branch would turn null into 0.
    Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: MIN_INTEGER, maximum: MAX_INTEGER, description: 'Days after which bots whose tokens are all inactive are removed; null keeps them (default 30)' }),
  ),
  token_reuse_detection: Type.Optional(StringEnum(['rotate', 'any_use', 'off'] as const, { description: 'rotate (GitLab), any_use, or off' })),
  resource_access_token_notify_inherited: Type.Optional(Type.Boolean()),
  lock_resource_access_token_notify_inherited: Type.Optional(Type.Boolean()),
  failed_auth_ban_enabled: Type.Optional(Type.Boolean({ description: 'Git and the container registry: ban an IP address after repeated failed authentications (default true)' })),
  failed_auth_ban_max_attempts: Type.Optional(SettingInteger({ description: 'Failed authentications from one IP address before a ban (default 30)' })),
  failed_auth_ban_find_time_seconds: Type.Optional(SettingInteger({ description: 'The window, in seconds, in which those failures count (default 180)' })),
  failed_auth_ban_duration_seconds: Type.Optional(SettingInteger({ description: 'How long a ban lasts, in seconds (default 3600)' })),
  api_failed_auth_limit_per_minute: Type.Optional(
    SettingInteger({ description: 'The API and forward auth: failed token authentications from one IP address per minute before its token requests answer 429; 0 turns the throttle off (default 100)' }),
  ),
  failed_auth_throttle_allowlist: Type.Optional(
    Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, description: 'IP addresses and CIDR networks the throttle never holds back, e.g. monitoring hosts (default none, loopback included)' }),
  ),
  token_creations_limit_per_minute: Type.Optional(SettingInteger({ description: 'Tokens (personal, group, project) one user may create per minute; 0: no limit (default 60)' })),
  allow_local_requests_from_web_hooks_and_services: Type.Optional(Type.Boolean()),
  container_registry_token_expire_delay: Type.Optional(SettingInteger({ description: 'Minutes a container registry token is valid (default 5)' })),
  credentials_revoke_limit_per_hour: Type.Optional(SettingInteger({ description: 'POST /credentials/revoke calls allowed per IP per hour (default 60)' })),
}, { examples: [{ max_personal_access_token_lifetime: 90, token_reuse_detection: 'any_use' }] });

export async function applicationSettingsRoutes(app: App, { ctx }: RouteOptions) {
  app.get('/application/settings', { schema: { tags, summary: 'The instance settings (administrators)', response: { 200: Ref(ApplicationSettingsJson), ...errorResponses(400, 401, 403) } } }, async (request) => {
    requireAdmin(request);
    return instanceSettings(ctx);
  });

  app.put('/application/settings', {
    schema: {
      tags,
      summary: 'Change instance settings (administrators)',
      body: SettingsBody,
      response: { 200: Ref(ApplicationSettingsJson, 'The instance settings, changed'), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    requireAdmin(request);
    // Only the declared settings, as Grape's declared(params): private_token and unknown keys are not settings.
    const changes = Object.fromEntries(Object.entries(request.body ?? {}).filter(([key]) => Object.hasOwn(SettingsBody.properties, key)));
    return unwrap(await updateSettings(ctx, changes));
  });
}
