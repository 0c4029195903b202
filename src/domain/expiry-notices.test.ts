import { describe, expect, it } from 'vitest';
import { AccessLevel } from './access-levels.js';
import { cascadedValue, hookEventName, hookFiresFor, NOTICE_AUDIENCE_LEVEL, noticeWindow, unsentColumnsFor } from './expiry-notices.js';

describe('expiry notice intervals (GitLab NOTIFICATION_INTERVALS)', () => {
  it('§7 windows: 60 days = 31..60, 30 days = 8..30, 7 days = 0..7; expired = the day after, up to a week late', () => {
    const today = '2026-06-15';
    expect(noticeWindow('sixty_days', today)).toEqual({ from: '2026-07-16', to: '2026-08-14' });
    expect(noticeWindow('thirty_days', today)).toEqual({ from: '2026-06-23', to: '2026-07-15' });
    expect(noticeWindow('seven_days', today)).toEqual({ from: '2026-06-15', to: '2026-06-22' });
    expect(noticeWindow('expired', today)).toEqual({ from: '2026-06-08', to: '2026-06-14' });
  });

  it('§7 after the 7-day notice no 30- or 60-day notice follows (expire_notification_delivered)', () => {
    expect(unsentColumnsFor('sixty_days')).toEqual(['sixty_days_notification_sent_at', 'seven_days_notification_sent_at']);
    expect(unsentColumnsFor('thirty_days')).toEqual(['thirty_days_notification_sent_at', 'seven_days_notification_sent_at']);
    expect(unsentColumnsFor('seven_days')).toEqual(['seven_days_notification_sent_at']);
    expect(unsentColumnsFor('expired')).toEqual(['after_expiry_notification_sent_at']);
  });

  it('§7 hooks fire at 7 days (and expired); at 60 and 30 days only when extended', () => {
    expect(hookFiresFor('seven_days', false)).toBe(true);
    expect(hookFiresFor('expired', false)).toBe(true);
    expect(hookFiresFor('sixty_days', false)).toBe(false);
    expect(hookFiresFor('thirty_days', true)).toBe(true);
    expect(hookEventName('thirty_days')).toBe('expiring_access_token');
    expect(hookEventName('expired')).toBe('expired_access_token');
  });
});

describe('cascading setting (GitLab CascadingNamespaceSettingAttribute)', () => {
  const level = (value: boolean | null, locked = false) => ({ value, locked });
  const off = { value: false, locked: false };

  it('own value, else the nearest ancestor with one, else the instance default', () => {
    expect(cascadedValue([level(null), level(null)], off)).toBe(false);
    expect(cascadedValue([level(null), level(null)], { value: true, locked: false })).toBe(true);
    expect(cascadedValue([level(true), level(null), level(null)], off)).toBe(true);
    expect(cascadedValue([level(true), level(false), level(null)], off)).toBe(false);
    expect(cascadedValue([level(true), level(null), level(false)], off)).toBe(false);
  });

  it('a lock above wins over the group: the instance lock first, then the highest locked ancestor', () => {
    expect(cascadedValue([level(true, true), level(false)], off)).toBe(true);
    expect(cascadedValue([level(false, true), level(true, true), level(true)], off)).toBe(false);
    expect(cascadedValue([level(true, true), level(true)], { value: false, locked: true })).toBe(false);
    // The group's own lock binds its subgroups, not itself.
    expect(cascadedValue([level(null), level(true, true)], off)).toBe(true);
  });
});

describe('who hears about a resource\'s expiring tokens', () => {
  it('§7 a group\'s Owners; §10 "Expiry notices" a project\'s Owners and Maintainers (GitLab MRs 155391, 128662)', () => {
    expect(NOTICE_AUDIENCE_LEVEL).toEqual({ group: AccessLevel.OWNER, project: AccessLevel.MAINTAINER });
  });
});
