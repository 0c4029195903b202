/**
 * Expiry arithmetic. `expires_at` is a calendar date; a token stops working at 00:00 UTC on that
 * date (§4.1, T11). Dates travel as 'YYYY-MM-DD' strings.
 */
export const MS_PER_DAY = 86_400_000;

export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return utcDate(new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);
}

/** Midnight UTC of a 'YYYY-MM-DD' date, in ms; from its digits (parsing a date string costs ten times more, on every request). */
const midnightUtcMs = (date: string) => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));

/** The instant a token expiring on `date` stops working. */
export function expiresAtMidnightUtc(date: string): Date {
  return new Date(midnightUtcMs(date));
}

export function isExpired(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && midnightUtcMs(expiresAt) <= now.getTime();
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date in ISO form (rejects 2026-02-30), or null. */
export function parseIsoDate(value: string): string | null {
  const match = ISO_DATE.exec(value.trim());
  if (!match) return null;
  const date = new Date(`${match[0]}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || utcDate(date) !== match[0]) return null;
  return match[0];
}

/** The latest `expires_at` the lifetime limit allows (T3): today + max lifetime days. */
export function latestAllowedExpiry(today: string, maxLifetimeDays: number): string {
  return addDays(today, maxLifetimeDays);
}

export const ROTATION_DEFAULT_LIFETIME_DAYS = 7; // T4: "If undefined, the token expires after one week."
