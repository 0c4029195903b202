import type { AuditEventRow } from '../../store/schema.js';

/**
 * GitLab's AuditEvent entity: who (author), on what (entity), to what (target), from where (IP),
 * when; the particulars of each event sit in `details` beside GitLab's usual keys.
 */
export function toAuditEventJson(event: AuditEventRow) {
  return {
    id: event.id,
    author_id: event.author_id,
    entity_id: event.entity_id,
    entity_type: event.entity_type,
    event_name: event.event_name,
    details: {
      ...(JSON.parse(event.details) as Record<string, unknown>),
      author_name: event.author_name,
      target_id: event.target_id,
      target_type: event.target_type,
      target_details: event.target_details,
      ip_address: event.ip_address,
      entity_path: event.entity_path,
    },
    created_at: event.created_at,
  };
}
