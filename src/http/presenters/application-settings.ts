import { Type } from '@fastify/type-provider-typebox';
import { DEFAULT_SETTINGS } from '../../domain/settings.js';
import { Entity, Nullable, StringEnum } from '../schemas.js';

/** The instance settings as `GET /application/settings` answers them: every setting Tollgate honours, with its value. */
export const ApplicationSettingsJson = Entity(
  Type.Object(
    {
      personal_access_token_prefix: Type.String({ description: `Prefix of new tokens (default ${DEFAULT_SETTINGS.personal_access_token_prefix})` }),
      max_personal_access_token_lifetime: Type.Integer({ description: 'Maximum token lifetime in days, 1..400 (default 365)' }),
      require_personal_access_token_expiry: Type.Boolean({ description: 'Tokens must expire (default true)' }),
      inactive_resource_access_tokens_delete_after_days: Nullable(
        Type.Integer({ description: 'Days after which bots whose tokens are all inactive are removed; null keeps them (default 30)' }),
      ),
      token_reuse_detection: StringEnum(['rotate', 'any_use', 'off'] as const, { description: 'rotate (GitLab), any_use, or off' }),
      resource_access_token_notify_inherited: Type.Boolean({ description: 'Token expiry emails go to inherited Owners too (instance default)' }),
      lock_resource_access_token_notify_inherited: Type.Boolean({ description: 'Groups cannot change resource_access_token_notify_inherited' }),
      failed_auth_ban_enabled: Type.Boolean({ description: 'Git and the container registry: ban an IP address after repeated failed authentications' }),
      failed_auth_ban_max_attempts: Type.Integer({ description: 'Failed authentications from one IP address before a ban' }),
      failed_auth_ban_find_time_seconds: Type.Integer({ description: 'The window, in seconds, in which those failures count' }),
      failed_auth_ban_duration_seconds: Type.Integer({ description: 'How long a ban lasts, in seconds' }),
      api_failed_auth_limit_per_minute: Type.Integer({ description: 'The API and forward auth: failed token authentications from one IP address per minute before its token requests answer 429 (0: off)' }),
      failed_auth_throttle_allowlist: Type.Array(Type.String(), { description: 'IP addresses and CIDR networks the throttle never holds back' }),
      token_creations_limit_per_minute: Type.Integer({ description: 'Tokens one user may create per minute (0: no limit)' }),
      allow_local_requests_from_web_hooks_and_services: Type.Boolean({ description: 'Webhooks may call local and private network addresses' }),
      container_registry_token_expire_delay: Type.Integer({ description: 'Minutes a container registry token is valid (default 5)' }),
      credentials_revoke_limit_per_hour: Type.Integer({ description: 'POST /credentials/revoke calls allowed per IP per hour (default 60)' }),
    },
    {
      $id: 'ApplicationSettings',
      // A key→value map: a setting added to the domain is sent even before it is listed here.
      additionalProperties: true,
      description: "The instance settings (GitLab's ApplicationSetting, the settings Tollgate honours)",
    },
  ),
);
