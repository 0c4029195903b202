import { Type } from '@fastify/type-provider-typebox';
import { DEFAULT_SETTINGS } from '../../domain/settings.js';
import { instanceSettings, updateSettings } from '../../services/settings.js';
import { requireAdmin } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { ApplicationSettingsJson } from '../presenters/application-settings.js';
import { errorResponses, Ref, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['application settings'];

/** Every setting Tollgate honours; an update takes any subset of them. */
const SettingsBody = Type.Object({
  personal_access_token_prefix: Type.Optional(Type.String({ maxLength: 20, description: `Prefix of new tokens (default ${DEFAULT_SETTINGS.personal_access_token_prefix})` })),
  max_personal_access_token_lifetime: Type.Optional(Type.Integer({ description: 'Maximum token lifetime in days, 1..400 (default 365)' })),
  require_personal_access_token_expiry: Type.Optional(Type.Boolean({ description: 'Tokens must expire (default true)' })),
  inactive_resource_access_tokens_delete_after_days: Type.Optional(
    // A type list, not a union: with type coercion on, a union's first branch would turn null into 0.
    Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'Days after which bots whose tokens are all inactive are removed; null keeps them (default 30)' }),
  ),
  token_reuse_detection: Type.Optional(StringEnum(['rotate', 'any_use', 'off'] as const, { description: 'rotate (GitLab), any_use, or off' })),
  resource_access_token_notify_inherited: Type.Optional(Type.Boolean()),
  lock_resource_access_token_notify_inherited: Type.Optional(Type.Boolean()),
  git_auth_ban_enabled: Type.Optional(Type.Boolean()),
  git_auth_ban_max_attempts: Type.Optional(Type.Integer()),
  git_auth_ban_find_time_seconds: Type.Optional(Type.Integer()),
  git_auth_ban_duration_seconds: Type.Optional(Type.Integer()),
  allow_local_requests_from_web_hooks_and_services: Type.Optional(Type.Boolean()),
  container_registry_token_expire_delay: Type.Optional(Type.Integer({ description: 'Minutes a container registry token is valid (default 5)' })),
  credentials_revoke_limit_per_hour: Type.Optional(Type.Integer({ description: 'POST /credentials/revoke calls allowed per IP per hour (default 60)' })),
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
