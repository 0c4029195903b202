import { Type } from '@fastify/type-provider-typebox';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { addGroupMember, changeGroupMember, getGroupMember, listGroupMembers, removeGroupMember, type MemberWithUser } from '../../services/members.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { MemberJson, toMemberJson } from '../presenters/members.js';
import { DateString, errorResponses, IntegerEnum, NoContent, PaginationQuery, Ref, ResourceIdParams } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import type { FastifyReply } from 'fastify';

const tags = ['group members'];
const AccessLevelField = IntegerEnum(ASSIGNABLE_ACCESS_LEVELS, { description: '10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner' });
const MemberParams = Type.Object({ id: ResourceIdParams.properties.id, user_id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object({ query: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery });

export async function groupMemberRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;

  function listRoute(path: string, summary: string, inherited: boolean) {
    app.get(path, {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary,
        params: ResourceIdParams,
        querystring: ListQuery,
        response: { 200: Type.Array(Ref(MemberJson), { description: 'The members, one page (see the pagination headers)' }), ...errorResponses(400, 401, 403, 404) },
      },
    }, async (request, reply) => {
      const page = pageOf(request.query);
      const { items, total } = unwrap(await listGroupMembers(ctx, request.caller, request.params.id, { inherited, search: request.query.query }, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((m) => toMemberJson(m, externalUrl));
    });
  }
  listRoute('/groups/:id/members', 'List the direct members of a group', false);
  listRoute('/groups/:id/members/all', 'List the members of a group, inherited ones included', true);

  function showRoute(path: string, summary: string, inherited: boolean) {
    app.get(path, { config: { auth: 'optional' }, schema: { tags, summary, params: MemberParams, response: { 200: Ref(MemberJson), ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
      return toMemberJson(unwrap(await getGroupMember(ctx, request.caller, request.params.id, request.params.user_id, inherited)), externalUrl);
    });
  }
  showRoute('/groups/:id/members/:user_id', 'Get a direct member of a group', false);
  showRoute('/groups/:id/members/all/:user_id', 'Get a member of a group, inherited memberships included', true);

  const send = (reply: FastifyReply, status: number, member: MemberWithUser) => reply.code(status).send(toMemberJson(member, externalUrl));

  app.post(
    '/groups/:id/members',
    {
      schema: {
        tags,
        summary: 'Add a member to a group (Owners)',
        params: ResourceIdParams,
        body: Type.Object(
          { user_id: Type.Integer({ minimum: 1 }), access_level: AccessLevelField, expires_at: Type.Optional(DateString('Membership expiry')) },
          { examples: [{ user_id: 42, access_level: 30 }] },
        ),
        response: { 201: Ref(MemberJson), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { user_id, access_level, expires_at } = request.body;
      const added = unwrap(await addGroupMember(ctx, requireCaller(request), request.params.id, { userId: user_id, accessLevel: access_level, expiresAt: expires_at }));
      return send(reply, 201, added);
    },
  );

  app.put(
    '/groups/:id/members/:user_id',
    {
      schema: {
        tags,
        summary: "Change a member's role (Owners)",
        params: MemberParams,
        body: Type.Object(
          { access_level: AccessLevelField, expires_at: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date', description: 'Membership expiry; null removes it' })) },
          { examples: [{ access_level: 40 }] },
        ),
        response: { 200: Ref(MemberJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { access_level, expires_at } = request.body;
      const changed = unwrap(
        await changeGroupMember(ctx, requireCaller(request), request.params.id, { userId: request.params.user_id, accessLevel: access_level, expiresAt: expires_at }),
      );
      return send(reply, 200, changed);
    },
  );

  app.delete('/groups/:id/members/:user_id', { schema: { tags, summary: 'Remove a member from a group', params: MemberParams, response: { 204: NoContent('Removed'), ...errorResponses(400, 401, 403, 404) } } }, async (request, reply) => {
    unwrap(await removeGroupMember(ctx, requireCaller(request), request.params.id, request.params.user_id));
    return reply.code(204).send();
  });
}
