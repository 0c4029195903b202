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
  /** The instance log's (GitLab's AuditEventFinder#by_entity): one type of entity, or one entity of it. */
  entityType?: AuditEventRow['entity_type'] | undefined;
  entityId?: number | undefined;
}

/**
 * The events of one entity, and optionally those of other entities of one type (a group's
 * projects); or, for the instance log, every event.
 */
export type AuditEventScope =
  | {
      type: AuditEventRow['entity_type'];
      id: number;
      also?: { type: AuditEventRow['entity_type']; ids: number[] };
    }
  | 'instance';

/** Newest first, as GitLab lists them. */
export async function listAuditEvents(db: Db, scope: AuditEventScope, page: Page, filters: AuditEventFilters = {}): Promise<{ rows: AuditEventRow[]; total: number }> {
  let base = db.selectFrom('audit_events');
  if (scope !== 'instance') {
    const { also } = scope;
    base = base.where((eb) => {
      const own = eb.and([eb('entity_type', '=', scope.type), eb('entity_id', '=', scope.id)]);
      return also && also.ids.length > 0 ? eb.or([own, eb.and([eb('entity_type', '=', also.type), eb('entity_id', 'in', also.ids)])]) : own;
    });
  }
  if (filters.entityType) base = base.where('entity_type', '=', filters.entityType);
  if (filters.entityType && filters.entityId !== undefined) base = base.where('entity_id', '=', filters.entityId);
  if (filters.createdAfter) base = base.where('created_at', '>=', filters.createdAfter);
  if (filters.createdBefore) base = base.where('created_at', '<=', filters.createdBefore);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

export const findAuditEventById = (db: Db, id: number): Promise<AuditEventRow | undefined> =>
  db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
