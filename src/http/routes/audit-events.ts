import { Type } from '@fastify/type-provider-typebox';
import { listGroupAuditEvents } from '../../services/audit.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { AuditEventJson, toAuditEventJson } from '../presenters/audit-events.js';
import { errorResponses, PaginationQuery, Ref } from '../schemas.js';
import { dateTime } from '../token-filters.js';
import type { App, RouteOptions } from '../types.js';
import { GroupIdField } from './group-access-tokens.js';

const tags = ['audit events'];
const Since = (description: string) => Type.Optional(Type.String({ maxLength: 64, description: `${description} (ISO 8601)`, examples: ['2026-01-01T00:00:00Z'] }));

export async function auditEventRoutes(app: App, { ctx }: RouteOptions) {
  app.get(
    '/groups/:id/audit_events',
    {
      schema: {
        tags,
        summary: "List a group's audit events, newest first",
        description: 'Token creation (and refused creation), rotation, revocation and reuse detection, with author, IP and time. Owners and administrators; others: 403.',
        params: Type.Object({ id: GroupIdField }),
        querystring: Type.Object({ created_after: Since('Created at or after'), created_before: Since('Created at or before'), ...PaginationQuery }),
        response: {
          200: Type.Array(Ref(AuditEventJson), { description: 'The events, newest first, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const filters = { createdAfter: dateTime('created_after', request.query.created_after), createdBefore: dateTime('created_before', request.query.created_before) };
      const page = pageOf(request.query);
      const { items, total } = unwrap(await listGroupAuditEvents(ctx, requireCaller(request), request.params.id, filters, page));
      setPaginationHeaders(request, reply, ctx.config.externalUrl, page, total);
      return items.map(toAuditEventJson);
    },
  );
}
