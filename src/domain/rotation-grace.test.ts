import { describe, expect, it } from 'vitest';
import { graceEnded, graceEndsAt, openGraceEndsAt, parseGracePeriodSeconds, rotationStanding } from './rotation-grace.js';

describe('rotation overlap window (Tollgate’s own, issue 13)', () => {
  it('grace_period_seconds: 0–86,400, numeric strings accepted, absent is 0', () => {
    expect(parseGracePeriodSeconds(undefined)).toEqual({ ok: true, value: 0 });
    expect(parseGracePeriodSeconds(0)).toEqual({ ok: true, value: 0 });
    expect(parseGracePeriodSeconds(86_400)).toEqual({ ok: true, value: 86_400 });
    expect(parseGracePeriodSeconds('300')).toEqual({ ok: true, value: 300 });
  });

  it.each([[-1], [86_401], [1.5], ['abc'], ['1e3'], [''], [true], [[60]], ['86401']])('refuses %j', (given) => {
    const parsed = parseGracePeriodSeconds(given);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ code: 'grace_period_invalid', message: 'grace_period_seconds does not have a valid value' });
  });

  it('a window is fixed from the rotation and ends at its last instant', () => {
    const now = new Date('2026-12-06T14:00:00.000Z');
    expect(graceEndsAt(now, 0)).toBeNull();
    const ends = graceEndsAt(now, 300)!;
    expect(ends).toBe('2026-12-06T14:05:00.000Z');
    expect(graceEnded(ends, new Date('2026-12-06T14:04:59.999Z'))).toBe(false);
    expect(graceEnded(ends, new Date(ends))).toBe(true);
    expect(graceEnded(null, now)).toBe(false);
  });

  it('standing: active, in its window, or revoked (by hand or once the window ended)', () => {
    const inside = new Date('2026-12-06T14:01:00.000Z');
    const after = new Date('2026-12-06T14:06:00.000Z');
    const rotated = { revoked: false, rotationGraceEndsAt: '2026-12-06T14:05:00.000Z' };
    expect(rotationStanding({ revoked: false, rotationGraceEndsAt: null }, inside)).toBe('active');
    expect(rotationStanding(rotated, inside)).toBe('in_grace');
    expect(rotationStanding(rotated, after)).toBe('revoked');
    expect(rotationStanding({ ...rotated, revoked: true }, inside)).toBe('revoked');
    expect(openGraceEndsAt(rotated, inside)).toBe('2026-12-06T14:05:00.000Z');
    expect(openGraceEndsAt(rotated, after)).toBeNull();
  });
});
