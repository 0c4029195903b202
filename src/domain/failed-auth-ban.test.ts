import { describe, expect, it } from 'vitest';
import { banEndsAt, failedAuthBanPolicy, failureWindowStart, shouldBan } from './failed-auth-ban.js';
import { DEFAULT_SETTINGS } from './settings.js';

describe('failed authentication ban arithmetic (Git and the registry)', () => {
  const policy = failedAuthBanPolicy(DEFAULT_SETTINGS);
  const now = new Date('2026-06-15T12:00:00.000Z');

  it('defaults: 30 failures within 3 minutes ban for 1 hour', () => {
    expect(policy).toEqual({ enabled: true, maxAttempts: 30, findTimeSeconds: 180, durationSeconds: 3600 });
    expect(shouldBan(policy, 29)).toBe(false);
    expect(shouldBan(policy, 30)).toBe(true);
    expect(failureWindowStart(policy, now).toISOString()).toBe('2026-06-15T11:57:00.000Z');
    expect(banEndsAt(policy, now).toISOString()).toBe('2026-06-15T13:00:00.000Z');
  });

  it('a disabled ban never engages', () => {
    expect(shouldBan({ ...policy, enabled: false }, 1000)).toBe(false);
  });
});
