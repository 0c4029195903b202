import { ASSIGNABLE_ACCESS_LEVELS, roleName } from '../../src/domain/access-levels.js';

export { ASSIGNABLE_ACCESS_LEVELS, roleName };

/** Dates as GitLab's API gives them: ISO timestamps shown as their UTC date. */
export function formatDate(iso: string | null | undefined, never = 'Never'): string {
  if (!iso) return never;
  return iso.slice(0, 10);
}

/** Today + `days` as YYYY-MM-DD in UTC: tokens expire at midnight UTC of their date. */
export function utcDatePlusDays(days: number, from: Date = new Date()): string {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + days));
  return date.toISOString().slice(0, 10);
}


/** A time of day in UTC, "14:05 UTC" (with the date when it is not today's). */
export function formatUtcTime(iso: string, now: Date = new Date()): string {
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}
