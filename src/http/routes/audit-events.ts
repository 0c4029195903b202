import { Type } from '@fastify/type-provider-typebox';
import type { ResourceKind } from '../../domain/bot-users.js';
import { getInstanceAuditEvent, listGroupAuditEvents, listInstanceAuditEvents, listProjectAuditEvents } from '../../services/audit.js';
import { requireAdmin, requireCaller } from '../plugins/auth.js';
import { paramError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { AuditEventJson, toAuditEventJson } from '../presenters/audit-events.js';
import { errorResponses, Id, MAX_INTEGER, PaginationQuery, Ref, StringEnum } from '../schemas.js';
import { dateTime } from '../token-filters.js';
import type { App, RouteOptions } from '../types.js';
import { resourceIdField } from './resource-access-tokens.js';

const tags = ['audit events'];
/** GitLab's `created_after` / `created_before`, read the same way on every audit events route. */
const createdBetween = (query: { created_after?: string | undefined; created_before?: string | undefined }) => ({
  createdAfter: dateTime('created_after', query.created_after),
  createdBefore: dateTime('created_before', query.created_before),
});

const Since = (description: string) => Type.Optional(Type.String({ maxLength: 64, description: `${description} (ISO 8601)`, examples: ['2026-01-01T00:00:00Z'] }));

/** Each kind's list: the same query and answer, its own readers (GitLab: read_group_audit_events, read_project_audit_events). */
const LISTS: Record<ResourceKind, { list: typeof listGroupAuditEvents; summary: string; description: string }> = {
  group: {
    list: listGroupAuditEvents,
    summary: "List a group's audit events, newest first",
    description:
      "Token creation (and refused creation), rotation, revocation and reuse detection, with author, IP and time; the group's projects' events too. Owners and administrators; others: 403.",
  },
  project: {
    list: listProjectAuditEvents,
    summary: "List a project's audit events, newest first",
    description: 'Project access token creation (and refused creation), rotation, revocation and reuse detection, with author, IP and time. Maintainers, Owners and administrators; others: 403.',
  },
};

/** GitLab's AuditEventFinder::VALID_ENTITY_TYPES, and what each is stored as. */
const ENTITY_TYPES = { Project: 'Project', User: 'User', Group: 'Group', 'Gitlab::Audit::InstanceScope': 'Instance' } as const;

export async function auditEventRoutes(app: App, { ctx }: RouteOptions) {
  for (const kind of ['group', 'project'] as const) {
    const { list, summary, description } = LISTS[kind];
    app.get(
      `/${kind}s/:id/audit_events`,
      {
        schema: {
          tags,
          summary,
          description,
          params: Type.Object({ id: resourceIdField(kind) }),
          querystring: Type.Object({ created_after: Since('Created at or after'), created_before: Since('Created at or before'), ...PaginationQuery }),
          response: {
            200: Type.Array(Ref(AuditEventJson), { description: 'The events, newest first, one page (see the pagination headers)' }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const filters = createdBetween(request.query);
        const page = pageOf(request.query);
        const { items, total } = unwrap(await list(ctx, requireCaller(request), request.params.id, filters, page));
        setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
        return items.map(toAuditEventJson);
      },
    );
  }

  // The instance log: GitLab's ee/lib/api/audit_events.rb, administrators only.
  app.get(
    '/audit_events',
    {
      schema: {
        tags,
        summary: 'List every audit event of the instance, newest first (administrators)',
        description:
          "Groups', projects' and users' events (personal access token creation, rotation, revocation, reuse detection, …). GitLab's filters: `entity_type` (with `entity_id`: one entity), `created_after`, `created_before`. Others: 403.",
        querystring: Type.Object({
          entity_type: Type.Optional(StringEnum(Object.keys(ENTITY_TYPES) as (keyof typeof ENTITY_TYPES)[], { description: 'Only the events of this type of entity' })),
          entity_id: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INTEGER, description: 'Only the events of this entity (needs entity_type; 0: any)' })),
          created_after: Since('Created at or after'),
          created_before: Since('Created at or before'),
          ...PaginationQuery,
        }),
        response: {
          200: Type.Array(Ref(AuditEventJson), { description: 'The events, newest first, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const caller = requireAdmin(request);
      const { entity_type, entity_id } = request.query;
      // Grape's `given :entity_id do requires :entity_type end`.
      if (entity_id !== undefined && entity_type === undefined) throw paramError('entity_type is missing');
      const filters = {
        ...createdBetween(request.query),
        entityType: entity_type && ENTITY_TYPES[entity_type],
        // GitLab filters by id only when it is nonzero (AuditEventFinder#valid_entity_id?).
        entityId: entity_id || undefined,
      };
      const page = pageOf(request.query);
      const { items, total } = unwrap(await listInstanceAuditEvents(ctx, caller, filters, page));
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      return items.map(toAuditEventJson);
    },
  );

  app.get(
    '/audit_events/:id',
    {
      schema: {
        tags,
        summary: 'Get one audit event of the instance (administrators)',
        params: Type.Object({ id: Id({ description: 'ID of the audit event' }) }),
        response: { 200: Ref(AuditEventJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toAuditEventJson(unwrap(await getInstanceAuditEvent(ctx, requireAdmin(request), request.params.id))),
  );
}
