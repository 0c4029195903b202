import type { Selectable } from 'kysely';
import type { LeakReportsTable } from '../schema-leak-reports.js';
import { toCount, type Db } from './common.js';

export type LeakReportRow = Selectable<LeakReportsTable>;

/** Queues reported digests (one row each; the job acts on each row once). */
export async function insertLeakReports(db: Db, digests: string[], reporterIp: string | null, now: string): Promise<void> {
  if (digests.length === 0) return;
  await db
    .insertInto('leak_reports')
    .values(digests.map((token_digest) => ({ token_digest, reporter_ip: reporterIp, created_at: now })))
    .execute();
}

/** The oldest queued reports, for the job. */
export const findLeakReports = (db: Db, limit: number): Promise<LeakReportRow[]> =>
  db.selectFrom('leak_reports').selectAll().orderBy('id').limit(limit).execute();

/**
 * Takes one report off the queue: true for the one transaction that deleted it. On PostgreSQL a
 * concurrent transaction deleting the same row waits for this one and then deletes nothing, so
 * two instances never act on one report.
 */
export async function takeLeakReport(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('leak_reports').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Calls that no longer count, of every IP: keeps the table as small as the window. */
export const deleteRevokeCallsUpTo = (db: Db, cutoff: string) => db.deleteFrom('credentials_revoke_calls').where('called_at', '<=', cutoff).execute();

export async function insertRevokeCall(db: Db, ip: string, at: string): Promise<number> {
  const row = await db.insertInto('credentials_revoke_calls').values({ ip, called_at: at }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export const deleteRevokeCall = (db: Db, id: number) => db.deleteFrom('credentials_revoke_calls').where('id', '=', id).execute();

/** How many calls the IP made after `cutoff`, and when the oldest of them was (null when none). */
export async function revokeCallsAfter(db: Db, ip: string, cutoff: string): Promise<{ count: number; oldest: string | null }> {
  const row = await db
    .selectFrom('credentials_revoke_calls')
    .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('called_at').as('oldest')])
    .where('ip', '=', ip)
    .where('called_at', '>', cutoff)
    .executeTakeFirst();
  return { count: toCount(row?.count as string | number | undefined), oldest: (row?.oldest as string | null | undefined) ?? null };
}
