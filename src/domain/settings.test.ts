import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettingText, settingError } from './settings.js';

describe('the brute-force settings (issue 14)', () => {
  it('defaults: the ban of Git and the registry as GitLab\'s, the API throttle at 100 a minute with no address exempt, 60 token creations a minute', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      failed_auth_ban_enabled: true,
      failed_auth_ban_max_attempts: 30,
      failed_auth_ban_find_time_seconds: 180,
      failed_auth_ban_duration_seconds: 3600,
      api_failed_auth_limit_per_minute: 100,
      failed_auth_throttle_allowlist: [],
      token_creations_limit_per_minute: 60,
    });
    expect(Object.keys(DEFAULT_SETTINGS).filter((key) => key.startsWith('git_auth_ban'))).toEqual([]);
  });

  it('limits per minute take 0 (off) up to a million; the allowlist takes up to 50 addresses and networks', () => {
    for (const key of ['api_failed_auth_limit_per_minute', 'token_creations_limit_per_minute'] as const) {
      for (const good of [0, 1, 1_000_000]) expect(settingError(key, good), `${key}=${good}`).toBeNull();
      for (const bad of [-1, 1.5, 1_000_001, '10', null]) expect(settingError(key, bad), `${key}=${String(bad)}`).toMatch(/must be 0 \(off\) or a positive integer$/);
    }
    expect(settingError('failed_auth_throttle_allowlist', ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'])).toBeNull();
    expect(settingError('failed_auth_throttle_allowlist', [])).toBeNull();
    for (const bad of [['10.0.0.0/33'], ['example.com'], '10.0.0.0/8', [1], Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`)]) {
      expect(settingError('failed_auth_throttle_allowlist', bad), JSON.stringify(bad)).toBe('Failed auth throttle allowlist must be a list of at most 50 IP addresses or CIDR networks');
    }
  });

  it('the console writes the allowlist as a comma-separated list; an empty text clears it', () => {
    expect(parseSettingText('failed_auth_throttle_allowlist', '10.0.0.0/8, 192.0.2.7')).toEqual(['10.0.0.0/8', '192.0.2.7']);
    expect(parseSettingText('failed_auth_throttle_allowlist', '')).toEqual([]);
    expect(parseSettingText('api_failed_auth_limit_per_minute', '0')).toBe(0);
  });
});
