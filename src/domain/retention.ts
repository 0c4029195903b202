import { addDays, MS_PER_DAY, utcDate } from './expiry.js';

/**
 * Retention of inactive group access tokens (§4.5, T6): a bot user goes once all
 * its tokens became inactive more than `inactive_resource_access_tokens_delete_after_days` ago.
 * Where the cut-off falls: tokens inactive since before it no longer keep their bot.
 */
export interface RetentionCutoff {
  /** Revoked before this instant (ISO timestamp). */
  revokedBefore: string;
  /** Expired before the cut-off: an expiry date before this one (the token died at its 00:00 UTC). */
  expiredBefore: string;
}

export const REMOVAL_REASON = 'No active token assigned';

/** The cut-off `days` before `now`; null (the setting left blank) keeps everything. */
export function retentionCutoff(now: Date, days: number | null): RetentionCutoff | null {
  if (days === null) return null;
  const cutoff = new Date(now.getTime() - days * MS_PER_DAY);
  const date = utcDate(cutoff);
  // A token expiring on date D died at D 00:00; it died before the cut-off when D is before the
  // first midnight at or after it.
  const firstMidnight = cutoff.toISOString().endsWith('T00:00:00.000Z') ? date : addDays(date, 1);
  return { revokedBefore: cutoff.toISOString(), expiredBefore: firstMidnight };
}
