/**
 * The fixed one-minute windows that Tollgate's per-minute limits count in (GitLab's Rack::Attack
 * throttles count per period the same way): a window starts on a whole minute of the clock, so
 * every instance agrees on it without talking, and a client held back waits only until it ends.
 */
const MINUTE_MS = 60_000;

export interface MinuteWindow {
  /** The window's first instant, as stored (`YYYY-MM-DDTHH:MM:00.000Z`). */
  start: string;
  /** The first instant of the next window, in milliseconds since the epoch. */
  endsAtMs: number;
}

export function minuteWindowOf(now: Date): MinuteWindow {
  const startMs = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  return { start: new Date(startMs).toISOString(), endsAtMs: startMs + MINUTE_MS };
}

/** Retry-After: whole seconds until the window ends, at least 1. */
export const secondsUntil = (endsAtMs: number, now: Date): number => Math.max(1, Math.ceil((endsAtMs - now.getTime()) / 1000));
