import type { AuditEventRow } from '../../store/schema.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { Entity, Nullable, StringEnum, Timestamp } from '../schemas.js';

export const AuditEventJson = Entity(
  Type.Object(
    {
      id: Type.Integer({ description: 'ID of the event' }),
      author_id: Nullable(Type.Integer({ description: 'ID of the user who acted; null for the admin console or a job' })),
      entity_id: Type.Integer({ description: 'ID of the group (or other entity) the event belongs to' }),
      entity_type: StringEnum(['Group', 'User', 'Project', 'Instance'] as const, { description: 'What entity_id is' }),
      event_name: Type.String({ description: 'What happened', examples: ['group_access_token_created'] }),
      details: Type.Object(
        {
          custom_message: Type.Optional(Type.String({ description: 'What happened, in words' })),
          author_name: Type.String({ description: 'Username of who acted, or "Tollgate console"' }),
          target_id: Nullable(Type.Integer({ description: 'ID of what was acted on (a token)' })),
          target_type: Nullable(Type.String({ description: 'The kind of target', examples: ['PersonalAccessToken'] })),
          target_details: Nullable(Type.String({ description: 'Name of the target' })),
          ip_address: Nullable(Type.String({ description: 'IP address the request came from; null for the console or a job' })),
          entity_path: Type.String({ description: 'Full path of the group or project; for a user, the username' }),
        },
        { additionalProperties: true, description: "The event's particulars (custom_message, token_id, scopes, …) beside GitLab's usual keys" },
      ),
      created_at: Timestamp('When it happened'),
    },
    { $id: 'AuditEvent', description: "An audit event (GitLab's AuditEvent entity)" },
  ),
);

/**
 * GitLab's AuditEvent entity: who (author), on what (entity), to what (target), from where (IP),
 * when; the particulars of each event sit in `details` beside GitLab's usual keys.
 */
export function toAuditEventJson(event: AuditEventRow): Static<typeof AuditEventJson> {
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
