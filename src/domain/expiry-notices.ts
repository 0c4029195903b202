import { AccessLevel } from './access-levels.js';
import type { ResourceKind } from './bot-users.js';
import { addDays } from './expiry.js';

/**
 * Expiry notices (§7, T7). GitLab's NOTIFICATION_INTERVALS: a token gets the
 * 60-day notice while it expires in 31..60 days, the 30-day one in 8..30 days and the 7-day one in
 * 0..7 days, each at most once, recorded in its `*_notification_sent_at` column. Once the 7-day
 * notice went out no other interval follows (GitLab's `expire_notification_delivered`). Beyond
 * GitLab, an "expired" notice goes out the day after the expiry date.
 */
/**
 * Whose tokens a notice is about (a group's, §7, or a project's, §10 "Expiry notices"), and the
 * lowest role that hears about them: a group's Owners (§7); a project's Owners
 * and Maintainers (§10, GitLab MRs 155391 and 128662). Inherited members count under the same role
 * when the cascading `resource_access_token_notify_inherited` is in effect (`cascadedValue`).
 */
export const NOTICE_AUDIENCE_LEVEL: Record<ResourceKind, number> = { group: AccessLevel.OWNER, project: AccessLevel.MAINTAINER };

export type ExpiryInterval = 'sixty_days' | 'thirty_days' | 'seven_days';
export type NoticeKind = ExpiryInterval | 'expired';

export interface IntervalRule {
  kind: ExpiryInterval;
  /** The N of "will expire in N days or less". */
  days: number;
  minDays: number;
  maxDays: number;
}

const EXPIRY_INTERVALS: readonly IntervalRule[] = [
  { kind: 'seven_days', days: 7, minDays: 0, maxDays: 7 },
  { kind: 'thirty_days', days: 30, minDays: 8, maxDays: 30 },
  { kind: 'sixty_days', days: 60, minDays: 31, maxDays: 60 },
];

export const NOTICE_KINDS: readonly NoticeKind[] = ['seven_days', 'thirty_days', 'sixty_days', 'expired'];

/**
 * How far back the "expired" notice looks: the day after expiry, or a few days later when the job
 * could not run (an outage), but not for tokens that expired long before the notice existed.
 */
const EXPIRED_NOTICE_CATCH_UP_DAYS = 7;

export type LedgerColumn =
  | 'sixty_days_notification_sent_at'
  | 'thirty_days_notification_sent_at'
  | 'seven_days_notification_sent_at'
  | 'after_expiry_notification_sent_at';

export const LEDGER_COLUMN: Record<NoticeKind, LedgerColumn> = {
  sixty_days: 'sixty_days_notification_sent_at',
  thirty_days: 'thirty_days_notification_sent_at',
  seven_days: 'seven_days_notification_sent_at',
  expired: 'after_expiry_notification_sent_at',
};

/** The ledger columns that must still be empty for a token to get this notice. */
export function unsentColumnsFor(kind: NoticeKind): LedgerColumn[] {
  if (kind === 'expired') return [LEDGER_COLUMN.expired];
  if (kind === 'seven_days') return [LEDGER_COLUMN.seven_days];
  return [LEDGER_COLUMN[kind], LEDGER_COLUMN.seven_days];
}

/** The inclusive range of `expires_at` dates that are due for this notice on `today`. */
export function noticeWindow(kind: NoticeKind, today: string): { from: string; to: string } {
  if (kind === 'expired') return { from: addDays(today, -EXPIRED_NOTICE_CATCH_UP_DAYS), to: addDays(today, -1) };
  const rule = intervalRule(kind);
  return { from: addDays(today, rule.minDays), to: addDays(today, rule.maxDays) };
}

export function intervalRule(kind: ExpiryInterval): IntervalRule {
  return EXPIRY_INTERVALS.find((r) => r.kind === kind)!;
}

/**
 * GitLab fires `resource_access_token` hooks at the 7-day interval; at 60 and 30 days only for hooks
 * that opted in (GitLab's "extended" expiry webhooks). Tollgate's `expired` event always fires.
 */
export function hookFiresFor(kind: NoticeKind, extended: boolean): boolean {
  return kind === 'seven_days' || kind === 'expired' || extended;
}

/** GitLab's webhook `event_name` values; `expired_access_token` is Tollgate's addition. */
export function hookEventName(kind: NoticeKind): 'expiring_access_token' | 'expired_access_token' {
  return kind === 'expired' ? 'expired_access_token' : 'expiring_access_token';
}

/** A cascading setting's value and lock at one level (GitLab's cascading_attr). */
export interface CascadingLevel {
  value: boolean | null;
  locked: boolean;
}

/**
 * GitLab's cascading namespace setting reader (CascadingNamespaceSettingAttribute): a value locked
 * by the instance wins, then one locked by an ancestor (the highest), then the group's own value,
 * then the nearest ancestor's, then the instance default. `chain` runs root first, group last.
 */
export function cascadedValue(chain: readonly CascadingLevel[], instance: { value: boolean; locked: boolean }): boolean {
  if (instance.locked) return instance.value;
  const ancestors = chain.slice(0, -1);
  const lockedAncestor = ancestors.find((level) => level.locked && level.value !== null);
  if (lockedAncestor) return lockedAncestor.value!;
  for (let i = chain.length - 1; i >= 0; i -= 1) {
    const value = chain[i]!.value;
    if (value !== null) return value;
  }
  return instance.value;
}
