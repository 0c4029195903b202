import '../schema-lifecycle.js';
import { sql, type Insertable, type Updateable } from 'kysely';
import { unsentColumnsFor, LEDGER_COLUMN, type NoticeKind } from '../../domain/expiry-notices.js';
import { type ExpiryNoticeRow, type ExpiryNoticesTable, type MailOutboxRow, type MailOutboxTable, type OutboxStatus, type WebhookDeliveryRow, type WebHookRow, type WebHooksTable, type WebhookDeliveriesTable } from '../schema-lifecycle.js';
import { type TokenRow, type UserRow } from '../schema.js';
import { type Db, toCount, offsetOf, type Page } from './common.js';
import { type RetentionCutoff } from '../../domain/retention.js';

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

/**
 * The bot users behind these tokens' user ids that belong to a resource: a group's (`bot_namespace_id`)
 * or a project's (`bot_project_id`, decision 0004). Others, humans' tokens, are not resource tokens.
 */
export async function findBotsByIds(db: Db, ids: number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .selectAll()
    .where('id', 'in', ids)
    .where('user_type', '=', 'project_bot')
    .where((eb) => eb.or([eb('bot_namespace_id', 'is not', null), eb('bot_project_id', 'is not', null)]))
    .execute();
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

export const insertOutboxMail = (db: Db, mail: Insertable<MailOutboxTable>): Promise<MailOutboxRow> =>
  db.insertInto('mail_outbox').values(mail).returningAll().executeTakeFirstOrThrow();

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

export const insertHook = (db: Db, hook: Insertable<WebHooksTable>): Promise<WebHookRow> =>
  db.insertInto('web_hooks').values(hook).returningAll().executeTakeFirstOrThrow();

export const updateHook = (db: Db, id: number, changes: Updateable<WebHooksTable>): Promise<WebHookRow> =>
  db.updateTable('web_hooks').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

/** Its queued deliveries go with it (foreign key cascade). */
export const deleteHook = (db: Db, id: number) => db.deleteFrom('web_hooks').where('id', '=', id).execute();

/** Whose hooks: a group's own (`projectId` null) or a project's (decision in migration 0007). */
export interface HookOwner {
  groupId: number;
  projectId: number | null;
}

const hooksOf = (db: Db, owner: HookOwner) => {
  const hooks = db.selectFrom('web_hooks');
  return owner.projectId === null ? hooks.where('group_id', '=', owner.groupId).where('project_id', 'is', null) : hooks.where('project_id', '=', owner.projectId);
};

export const findOwnedHook = (db: Db, owner: HookOwner, hookId: number): Promise<WebHookRow | undefined> =>
  hooksOf(db, owner).selectAll().where('id', '=', hookId).executeTakeFirst();

export const findHookById = (db: Db, hookId: number): Promise<WebHookRow | undefined> =>
  db.selectFrom('web_hooks').selectAll().where('id', '=', hookId).executeTakeFirst();

export async function listOwnedHooks(db: Db, owner: HookOwner, page: Page): Promise<{ rows: WebHookRow[]; total: number }> {
  const base = hooksOf(db, owner);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

/** The hooks that take access token events: those of these groups, and of the project if one is named. */
export function findTokenEventHooks(db: Db, groupIds: number[], projectId: number | null): Promise<WebHookRow[]> {
  return db
    .selectFrom('web_hooks')
    .selectAll()
    .where('resource_access_token_events', '=', 1)
    .where((eb) => {
      const ofGroups = groupIds.length > 0 ? [eb.and([eb('group_id', 'in', groupIds), eb('project_id', 'is', null)])] : [];
      const ofProject = projectId === null ? [] : [eb('project_id', '=', projectId)];
      return eb.or([...ofGroups, ...ofProject]);
    })
    .orderBy('id')
    .execute();
}

export async function insertDeliveries(db: Db, rows: Insertable<WebhookDeliveriesTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('webhook_deliveries').values(rows).execute();
}

function botsWithoutRecentTokens(db: Db, cutoff: RetentionCutoff) {
  return db
    .selectFrom('users')
    .where('user_type', '=', 'project_bot')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('personal_access_tokens as t')
            .select('t.id')
            .whereRef('t.user_id', '=', 'users.id')
            .where((eb) =>
              eb.or([
                // Active, or expired on or after the cut-off.
                eb.and([eb('t.revoked', '=', 0), eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>=', cutoff.expiredBefore)])]),
                // Revoked on or after the cut-off (rows from before revoked_at existed: updated_at, as GitLab).
                eb.and([eb('t.revoked', '=', 1), eb(eb.fn.coalesce('t.revoked_at', 't.updated_at'), '>=', cutoff.revokedBefore)]),
              ]),
            ),
        ),
      ),
    );
}

/**
 * §4.5: bot users none of whose tokens is active, or became inactive on or after
 * the cut-off; a bot without any token qualifies too. Walked by id in batches.
 */
export const findRemovableBots = (db: Db, cutoff: RetentionCutoff, afterId: number, limit: number): Promise<UserRow[]> =>
  botsWithoutRecentTokens(db, cutoff).selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();

/** The same rule for one bot, re-checked inside the removal's transaction (a token may have been issued since). */
export async function isRemovableBot(db: Db, cutoff: RetentionCutoff, botId: number): Promise<boolean> {
  return (await botsWithoutRecentTokens(db, cutoff).select('id').where('id', '=', botId).executeTakeFirst()) !== undefined;
}

export async function tokenIdsOf(db: Db, userId: number): Promise<number[]> {
  return (await db.selectFrom('personal_access_tokens').select('id').where('user_id', '=', userId).orderBy('id').execute()).map((r) => r.id);
}

/** Projects a removed user created stay, credited to the ghost user like their issues. */
export const reassignProjectsCreator = (db: Db, fromUserId: number, toUserId: number) =>
  db.updateTable('projects').set({ creator_id: toUserId }).where('creator_id', '=', fromUserId).execute();
