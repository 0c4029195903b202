import { parseAllowedCidrs } from './ip-allowlist.js';
import { DEFAULT_TOKEN_PREFIX } from './token-format.js';

/**
 * Instance settings (GitLab's application settings that Tollgate honours), their defaults and
 * their rules. Stored as JSON by key; unknown keys are never stored.
 */
export interface InstanceSettings {
  personal_access_token_prefix: string;
  /** Days; T3: default 365, an administrator may set 1..400. */
  max_personal_access_token_lifetime: number;
  require_personal_access_token_expiry: boolean;
  /** Days; null keeps inactive tokens (and their bots) forever. */
  inactive_resource_access_tokens_delete_after_days: number | null;
  token_reuse_detection: 'rotate' | 'any_use' | 'off';
  resource_access_token_notify_inherited: boolean;
  lock_resource_access_token_notify_inherited: boolean;
  /**
   * Git over HTTP and the container registry: failed authentications from one IP before a ban
   * (GitLab: rack_attack_git_basic_auth; docs/operator-guide.md "Brute force").
   */
  failed_auth_ban_enabled: boolean;
  failed_auth_ban_max_attempts: number;
  failed_auth_ban_find_time_seconds: number;
  failed_auth_ban_duration_seconds: number;
  /** The API and forward auth: failed token authentications from one IP per minute before its token requests answer 429; 0 = off. */
  api_failed_auth_limit_per_minute: number;
  /** Networks the throttle never holds back (monitoring hosts); none by default, loopback included. */
  failed_auth_throttle_allowlist: string[];
  /** Tokens (personal, group, project) one user may create per minute; 0 = no limit. */
  token_creations_limit_per_minute: number;
  allow_local_requests_from_web_hooks_and_services: boolean;
  /** Minutes a container registry token is valid (GitLab's own setting, default 5; INTEGRATIONS.md §4). */
  container_registry_token_expire_delay: number;
  /** POST /credentials/revoke calls per IP per hour (Tollgate's; GitHub's limit is 60). */
  credentials_revoke_limit_per_hour: number;
}

export const DEFAULT_SETTINGS: InstanceSettings = {
  personal_access_token_prefix: DEFAULT_TOKEN_PREFIX,
  max_personal_access_token_lifetime: 365,
  require_personal_access_token_expiry: true,
  inactive_resource_access_tokens_delete_after_days: 30,
  token_reuse_detection: 'rotate',
  resource_access_token_notify_inherited: false,
  lock_resource_access_token_notify_inherited: false,
  failed_auth_ban_enabled: true,
  failed_auth_ban_max_attempts: 30,
  failed_auth_ban_find_time_seconds: 180,
  failed_auth_ban_duration_seconds: 3600,
  api_failed_auth_limit_per_minute: 100,
  failed_auth_throttle_allowlist: [],
  token_creations_limit_per_minute: 60,
  allow_local_requests_from_web_hooks_and_services: false,
  container_registry_token_expire_delay: 5,
  credentials_revoke_limit_per_hour: 60,
};

export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof InstanceSettings)[];

export function isSettingKey(key: string): key is keyof InstanceSettings {
  return (SETTING_KEYS as string[]).includes(key);
}

const TOKEN_PREFIX_PATTERN = /^[a-zA-Z0-9_.-]{0,20}$/;
const REUSE_MODES = ['rotate', 'any_use', 'off'];

/** Checks one value; returns GitLab's validation message, or null when it is acceptable. */
export function settingError(key: keyof InstanceSettings, value: unknown): string | null {
  const intIn = (min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  switch (key) {
    case 'personal_access_token_prefix':
      return typeof value === 'string' && TOKEN_PREFIX_PATTERN.test(value)
        ? null
        : 'Personal access token prefix can contain only letters, digits, "_", "-" and "." and be at most 20 characters';
    case 'max_personal_access_token_lifetime':
      return intIn(1, 400) ? null : 'Max personal access token lifetime must be an integer between 1 and 400';
    case 'inactive_resource_access_tokens_delete_after_days':
      return value === null || intIn(1, 36500) ? null : 'Inactive resource access tokens delete after days must be a positive integer or blank';
    case 'token_reuse_detection':
      return typeof value === 'string' && REUSE_MODES.includes(value) ? null : 'Token reuse detection must be one of rotate, any_use, off';
    case 'failed_auth_ban_max_attempts':
      return intIn(1, 100000) ? null : 'Failed auth ban max attempts must be a positive integer';
    case 'failed_auth_ban_find_time_seconds':
    case 'failed_auth_ban_duration_seconds':
      return intIn(1, 31536000) ? null : `${humanize(key)} must be a positive number of seconds`;
    case 'api_failed_auth_limit_per_minute':
    case 'token_creations_limit_per_minute':
      return intIn(0, 1000000) ? null : `${humanize(key)} must be 0 (off) or a positive integer`;
    case 'failed_auth_throttle_allowlist':
      return Array.isArray(value) && parseAllowedCidrs(value).ok ? null : 'Failed auth throttle allowlist must be a list of at most 50 IP addresses or CIDR networks';
    case 'container_registry_token_expire_delay':
      return intIn(1, 525600) ? null : 'Container registry token expire delay must be a positive number of minutes';
    case 'credentials_revoke_limit_per_hour':
      return intIn(1, 100000) ? null : 'Credentials revoke limit per hour must be a positive integer';
    default:
      return typeof value === 'boolean' ? null : `${humanize(key)} must be true or false`;
  }
}

function humanize(key: string): string {
  const text = key.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Console input ("365", "true", "", "null", "10.0.0.0/8,192.0.2.7") to a typed value for `key`. */
export function parseSettingText(key: keyof InstanceSettings, text: string): unknown {
  const current = DEFAULT_SETTINGS[key];
  if (Array.isArray(current)) return text.trim() === '' ? [] : text.split(',').map((entry) => entry.trim());
  if (key === 'inactive_resource_access_tokens_delete_after_days' && (text === '' || text === 'null')) return null;
  if (typeof current === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (typeof current === 'number' || key === 'inactive_resource_access_tokens_delete_after_days') return /^-?\d+$/.test(text) ? Number(text) : text;
  return text;
}
