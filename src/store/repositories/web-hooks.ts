import type { Insertable, Updateable } from 'kysely';
import '../schema-lifecycle.js';
import type { WebHookRow, WebHooksTable, WebhookDeliveriesTable } from '../schema-lifecycle.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';

export const insertHook = (db: Db, hook: Insertable<WebHooksTable>): Promise<WebHookRow> =>
  db.insertInto('web_hooks').values(hook).returningAll().executeTakeFirstOrThrow();

export const updateHook = (db: Db, id: number, changes: Updateable<WebHooksTable>): Promise<WebHookRow> =>
  db.updateTable('web_hooks').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

/** Its queued deliveries go with it (foreign key cascade). */
export const deleteHook = (db: Db, id: number) => db.deleteFrom('web_hooks').where('id', '=', id).execute();

export const findGroupHook = (db: Db, groupId: number, hookId: number): Promise<WebHookRow | undefined> =>
  db.selectFrom('web_hooks').selectAll().where('group_id', '=', groupId).where('id', '=', hookId).executeTakeFirst();

export const findHookById = (db: Db, hookId: number): Promise<WebHookRow | undefined> =>
  db.selectFrom('web_hooks').selectAll().where('id', '=', hookId).executeTakeFirst();

export async function listGroupHooks(db: Db, groupId: number, page: Page): Promise<{ rows: WebHookRow[]; total: number }> {
  const base = db.selectFrom('web_hooks').where('group_id', '=', groupId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

/** Hooks of these groups that take access token events. */
export async function findTokenEventHooks(db: Db, groupIds: number[]): Promise<WebHookRow[]> {
  if (groupIds.length === 0) return [];
  return db.selectFrom('web_hooks').selectAll().where('group_id', 'in', groupIds).where('resource_access_token_events', '=', 1).orderBy('id').execute();
}

export async function insertDeliveries(db: Db, rows: Insertable<WebhookDeliveriesTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('webhook_deliveries').values(rows).execute();
}
