import { sql, type Insertable } from 'kysely';
import { unsentColumnsFor, LEDGER_COLUMN, type NoticeKind } from '../../domain/expiry-notices.js';
import '../schema-lifecycle.js';
import type { ExpiryNoticeRow, ExpiryNoticesTable } from '../schema-lifecycle.js';
import type { TokenRow, UserRow } from '../schema.js';
import type { Db } from './common.js';

export type DueToken = Pick<TokenRow, 'id' | 'user_id' | 'name' | 'created_at' | 'expires_at' | 'last_used_at'> & { expires_at: string };

/**
 * Tokens due for a notice: not revoked, expiring in the window, notice not yet recorded. The range
 * on `expires_at` among unrevoked tokens runs on the (revoked, expires_at) index, so the cost follows
 * the tokens in the window, not the tokens stored; the keyset (expires_at, id) walks that index.
 */
export async function findDueTokens(
  db: Db,
  kind: NoticeKind,
  window: { from: string; to: string },
  after: { expiresAt: string; id: number } | null,
  limit: number,
): Promise<DueToken[]> {
  let query = db
    .selectFrom('personal_access_tokens')
    .select(['id', 'user_id', 'name', 'created_at', 'expires_at', 'last_used_at'])
    .where('revoked', '=', 0)
    .where('expires_at', '>=', window.from)
    .where('expires_at', '<=', window.to)
    .where('impersonation', '=', 0);
  for (const column of unsentColumnsFor(kind)) query = query.where(column, 'is', null);
  if (after) query = query.where(sql<boolean>`(expires_at, id) > (${after.expiresAt}, ${after.id})`);
  return (await query.orderBy('expires_at').orderBy('id').limit(limit).execute()) as DueToken[];
}

/**
 * Records the notice in each token's ledger column, unless another run already did: only the ids
 * returned are this run's to announce. Two runs racing on PostgreSQL serialise on the row locks.
 */
export async function recordNotices(db: Db, kind: NoticeKind, ids: number[], now: string): Promise<number[]> {
  if (ids.length === 0) return [];
  let update = db
    .updateTable('personal_access_tokens')
    .set({ [LEDGER_COLUMN[kind]]: now })
    .where('id', 'in', ids)
    // `+revoked` keeps SQLite from walking the (revoked, expires_at) index over every unrevoked
    // token instead of looking the ids up: without statistics it would, and cost would follow the
    // tokens stored. PostgreSQL reads it as plain `revoked`.
    .where(sql<boolean>`+revoked = 0`);
  for (const column of unsentColumnsFor(kind)) update = update.where(column, 'is', null);
  const rows = await update.returning('id').execute();
  return rows.map((r) => r.id);
}

/** The bot users behind these tokens' user ids (others, humans' tokens, are not group tokens). */
export async function findBotsByIds(db: Db, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).where('user_type', '=', 'project_bot').where('bot_namespace_id', 'is not', null).execute();
}

// Eight columns a row; SQLite takes at most 32766 bound values in one statement.
const INSERT_CHUNK = 2000;

export async function insertNoticeItems(db: Db, items: Insertable<ExpiryNoticesTable>[]): Promise<void> {
  for (let i = 0; i < items.length; i += INSERT_CHUNK) await db.insertInto('expiry_notices').values(items.slice(i, i + INSERT_CHUNK)).execute();
}

export async function recipientsWithNotices(db: Db, afterId: number, limit: number): Promise<number[]> {
  const rows = await db.selectFrom('expiry_notices').select('recipient_id').distinct().where('recipient_id', '>', afterId).orderBy('recipient_id').limit(limit).execute();
  return rows.map((r) => r.recipient_id);
}

/** Takes a recipient's pending notices; a concurrent run taking the same ones gets none. */
export const takeNoticesOf = (db: Db, recipientId: number): Promise<ExpiryNoticeRow[]> =>
  db.deleteFrom('expiry_notices').where('recipient_id', '=', recipientId).returningAll().execute();

/** Active human users among these, the only ones who can receive notifications. */
export async function findNotifiableUsers(db: Db, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).where('user_type', '=', 'human').where('state', '=', 'active').execute();
}
