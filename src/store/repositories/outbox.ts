import '../schema-lifecycle.js';
import type { MailOutboxRow, OutboxStatus, WebhookDeliveryRow } from '../schema-lifecycle.js';
import { toCount, type Db } from './common.js';

/**
 * The queue columns the email outbox and the webhook outbox share (status, attempts,
 * next_attempt_at, claimed_until, last_error…), and the queries that drive both.
 */
export type OutboxTable = 'mail_outbox' | 'webhook_deliveries';
type RowOf<T extends OutboxTable> = T extends 'mail_outbox' ? MailOutboxRow : WebhookDeliveryRow;

// Both tables have the same queue columns; Kysely is told one of them so the builders type-check.
const as = (table: OutboxTable) => table as 'mail_outbox';

/** Queued rows whose time has come and that no delivery is holding, oldest first. */
export async function findDueRows<T extends OutboxTable>(db: Db, table: T, now: string, limit: number): Promise<RowOf<T>[]> {
  const rows = await db
    .selectFrom(as(table))
    .selectAll()
    .where('status', '=', 'queued')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows as unknown as RowOf<T>[];
}

/**
 * Takes a row for one delivery attempt. The conditional update is what keeps two runs (two
 * processes, two instances) from sending the same row: only one of them sees it updated.
 */
export async function claimRow(db: Db, table: OutboxTable, id: number, now: string, until: string): Promise<boolean> {
  const result = await db
    .updateTable(as(table))
    .set({ claimed_until: until, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markRowSent(db: Db, table: OutboxTable, id: number, attempts: number, now: string, extra: { last_response_status?: number } = {}) {
  await db
    .updateTable(as(table))
    .set({ status: 'sent', attempts, sent_at: now, last_attempt_at: now, claimed_until: null, updated_at: now, ...extra })
    .where('id', '=', id)
    .execute();
}

export async function markRowFailedAttempt(
  db: Db,
  table: OutboxTable,
  id: number,
  attempt: { attempts: number; error: string; retryAt: string | null; now: string; responseStatus?: number | null },
) {
  await db
    .updateTable(as(table))
    .set({
      status: attempt.retryAt === null ? 'failed' : 'queued',
      attempts: attempt.attempts,
      next_attempt_at: attempt.retryAt ?? attempt.now,
      last_error: attempt.error,
      last_attempt_at: attempt.now,
      claimed_until: null,
      updated_at: attempt.now,
      ...(attempt.responseStatus !== undefined ? { last_response_status: attempt.responseStatus } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** Gives a claimed row back untried (the run stopped before reaching it). */
export async function releaseRow(db: Db, table: OutboxTable, id: number, now: string) {
  await db.updateTable(as(table)).set({ claimed_until: null, updated_at: now }).where('id', '=', id).where('status', '=', 'queued').execute();
}

export interface QueueState {
  queued: number;
  sent: number;
  failed: number;
  lastError: { message: string; at: string; id: number } | null;
}

export async function queueState(db: Db, table: OutboxTable): Promise<QueueState> {
  const counts = await db
    .selectFrom(as(table))
    .select(['status', (eb) => eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  const byStatus = new Map(counts.map((c) => [c.status as OutboxStatus, toCount(c.n as number)]));
  const last = await db
    .selectFrom(as(table))
    .select(['id', 'last_error', 'last_attempt_at'])
    .where('last_error', 'is not', null)
    .orderBy('last_attempt_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    queued: byStatus.get('queued') ?? 0,
    sent: byStatus.get('sent') ?? 0,
    failed: byStatus.get('failed') ?? 0,
    lastError: last?.last_error ? { message: last.last_error, at: last.last_attempt_at ?? '', id: last.id } : null,
  };
}
