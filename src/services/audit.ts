import { isOwner, type Actor } from '../domain/permissions.js';
import { forbidden, ok, type Result } from '../domain/result.js';
import type { Db, Page } from '../store/repositories/common.js';
import { insertAuditEvent, listAuditEvents, type AuditEventFilters } from '../store/repositories/audit-events.js';
import type { AuditEventRow, GroupRow, UserRow } from '../store/schema.js';
import { resolveGroup } from './groups.js';

/** Who acted and from where; attached to every audit event. */
export interface RequestOrigin {
  actor: UserRow | null;
  ip: string | null;
}

export const CONSOLE_ORIGIN_NAME = 'Tollgate console';

/** Written inside the caller's transaction, so an event exists exactly when its change does. */
export function recordGroupEvent(
  db: Db,
  origin: RequestOrigin,
  group: GroupRow,
  event: { name: string; targetType?: string; targetId?: number; targetDetails?: string; details?: Record<string, unknown> },
  now: string,
) {
  return insertAuditEvent(db, {
    author_id: origin.actor?.id ?? null,
    author_name: origin.actor?.username ?? CONSOLE_ORIGIN_NAME,
    entity_type: 'Group',
    entity_id: group.id,
    entity_path: group.full_path,
    event_name: event.name,
    target_type: event.targetType ?? null,
    target_id: event.targetId ?? null,
    target_details: event.targetDetails ?? null,
    ip_address: origin.ip,
    details: event.details ?? {},
    created_at: now,
  });
}

/** GET /groups/:id/audit_events: the group's Owners and administrators (GitLab: read_group_audit_events). */
export async function listGroupAuditEvents(
  db: Db,
  actor: Actor,
  groupRef: string,
  filters: AuditEventFilters,
  page: Page,
): Promise<Result<{ rows: AuditEventRow[]; total: number }>> {
  const resolved = await resolveGroup(db, actor, groupRef);
  if (!resolved.ok) return resolved;
  if (!isOwner(actor, resolved.value.level)) return forbidden();
  return ok(await listAuditEvents(db, { type: 'Group', id: resolved.value.group.id }, page, filters));
}
