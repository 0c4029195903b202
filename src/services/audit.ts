import { failure } from '../domain/errors.js';
import { isOwner } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import type { Db } from '../store/repositories/common.js';
import { insertAuditEvent, listAuditEvents, type AuditEventFilters } from '../store/repositories/audit-events.js';
import type { AuditEventRow, GroupRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import type { ServiceContext } from './context.js';
import { resolveGroup } from './groups.js';
import type { Listed, Page } from './lists.js';

export type { AuditEventFilters };

export const CONSOLE_ORIGIN_NAME = 'Tollgate console';

/**
 * Written inside the caller's transaction, so an event exists exactly when its change does. The
 * author is who asked, from where; the console is recorded as the console, not as root.
 */
export function recordGroupEvent(
  db: Db,
  caller: Caller,
  group: GroupRow,
  event: { name: string; targetType?: string; targetId?: number; targetDetails?: string; details?: Record<string, unknown> },
  now: string,
) {
  const author = caller.via === 'console' ? null : caller.user;
  return insertAuditEvent(db, {
    author_id: author?.id ?? null,
    author_name: author?.username ?? CONSOLE_ORIGIN_NAME,
    entity_type: 'Group',
    entity_id: group.id,
    entity_path: group.full_path,
    event_name: event.name,
    target_type: event.targetType ?? null,
    target_id: event.targetId ?? null,
    target_details: event.targetDetails ?? null,
    ip_address: caller.ip,
    details: event.details ?? {},
    created_at: now,
  });
}

/** GET /groups/:id/audit_events: the group's Owners and administrators (GitLab: read_group_audit_events). */
export async function listGroupAuditEvents(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  filters: AuditEventFilters,
  page: Page,
): Promise<Result<Listed<AuditEventRow>>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  if (!isOwner(caller, resolved.value.level)) return failure('forbidden');
  const { rows, total } = await listAuditEvents(db, { type: 'Group', id: resolved.value.group.id }, page, filters);
  return ok({ items: rows, total });
}
