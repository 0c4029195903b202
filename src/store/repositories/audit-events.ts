import type { AuditEventRow } from '../schema.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';

export type NewAuditEvent = Omit<AuditEventRow, 'id' | 'details'> & { details: Record<string, unknown> };

export const insertAuditEvent = (db: Db, event: NewAuditEvent) =>
  db
    .insertInto('audit_events')
    .values({ ...event, details: JSON.stringify(event.details) })
    .execute();

export interface AuditEventFilters {
  /** ISO timestamps, inclusive. */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

/** Newest first, as GitLab lists them. */
export async function listAuditEvents(
  db: Db,
  entity: { type: AuditEventRow['entity_type']; id: number },
  page: Page,
  filters: AuditEventFilters = {},
): Promise<{ rows: AuditEventRow[]; total: number }> {
  let base = db.selectFrom('audit_events').where('entity_type', '=', entity.type).where('entity_id', '=', entity.id);
  if (filters.createdAfter) base = base.where('created_at', '>=', filters.createdAfter);
  if (filters.createdBefore) base = base.where('created_at', '<=', filters.createdBefore);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}
