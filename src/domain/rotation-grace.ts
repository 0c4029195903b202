import { failure } from './errors.js';
import { ok, type Result } from './result.js';

/**
 * Tollgate's own rotation overlap window (issue 13; docs/api.md "Tollgate's own features"): a
 * rotation may leave the old token working for up to a day, so that the new value can be rolled
 * out before the old one stops. The window is fixed at rotation time; when it ends the old token
 * is revoked, as GitLab's rotation revokes it at once. Without a window (0, the default) the
 * rotation is exactly GitLab's.
 */

export const MAX_GRACE_PERIOD_SECONDS = 86_400;

/** `grace_period_seconds`: an integer 0–86,400, or its decimal string; absent means 0. */
export function parseGracePeriodSeconds(given: unknown): Result<number> {
  if (given === undefined || given === null) return ok(0);
  const seconds = typeof given === 'string' && /^\d{1,6}$/.test(given.trim()) ? Number(given.trim()) : given;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_GRACE_PERIOD_SECONDS) return failure('grace_period_invalid');
  return ok(seconds);
}

/** When a window opened now ends (ISO time), or null for no window. */
export const graceEndsAt = (now: Date, seconds: number): string | null => (seconds === 0 ? null : new Date(now.getTime() + seconds * 1000).toISOString());

/** Whether a window has ended by `now`: the old token is then revoked, whether or not the row says so yet. */
export const graceEnded = (endsAt: string | null, now: Date): boolean => endsAt !== null && Date.parse(endsAt) <= now.getTime();

/** How rotation sees a token: usable, rotated with its window still open, or revoked (by hand, or by a window that ended). */
export type RotationStanding = 'active' | 'in_grace' | 'revoked';

export function rotationStanding(token: { revoked: boolean; rotationGraceEndsAt: string | null }, now: Date): RotationStanding {
  if (token.revoked || graceEnded(token.rotationGraceEndsAt, now)) return 'revoked';
  return token.rotationGraceEndsAt === null ? 'active' : 'in_grace';
}

/** `rotation_grace_ends_at` as the API shows it: the end of an open window, else null. */
export const openGraceEndsAt = (token: { revoked: boolean; rotationGraceEndsAt: string | null }, now: Date): string | null =>
  rotationStanding(token, now) === 'in_grace' ? token.rotationGraceEndsAt : null;
