import type { InstanceSettings } from './settings.js';

/**
 * GitLab's ban for failed authentications where credentials are Basic passwords (rack_attack
 * git_basic_auth, Gitlab::Auth::IpRateLimiter; §3.5): Git over HTTP and the container registry's
 * token endpoint. `maxAttempts` failures from one IP within `findTimeSeconds` ban the IP for
 * `durationSeconds`; a success from the IP clears its count. The API and forward auth are not
 * banned but throttled (failed-auth-throttle.ts).
 */
export interface FailedAuthBanPolicy {
  enabled: boolean;
  maxAttempts: number;
  findTimeSeconds: number;
  durationSeconds: number;
}

export function failedAuthBanPolicy(settings: InstanceSettings): FailedAuthBanPolicy {
  return {
    enabled: settings.failed_auth_ban_enabled,
    maxAttempts: settings.failed_auth_ban_max_attempts,
    findTimeSeconds: settings.failed_auth_ban_find_time_seconds,
    durationSeconds: settings.failed_auth_ban_duration_seconds,
  };
}

/** Failures at or before this instant no longer count. */
export const failureWindowStart = (policy: FailedAuthBanPolicy, now: Date): Date => new Date(now.getTime() - policy.findTimeSeconds * 1000);

export const banEndsAt = (policy: FailedAuthBanPolicy, now: Date): Date => new Date(now.getTime() + policy.durationSeconds * 1000);

export const shouldBan = (policy: FailedAuthBanPolicy, failuresInWindow: number): boolean => policy.enabled && failuresInWindow >= policy.maxAttempts;
