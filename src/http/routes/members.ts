import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { addMember, changeMember, getMember, listMembers, removeMember, type MemberSourceKind, type MemberWithUser } from '../../services/members.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { MemberJson, toMemberJson } from '../presenters/members.js';
import { DateString, errorResponses, Id, IntegerEnum, NoContent, PaginationQuery, Ref, ResourceIdParams } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const AccessLevelField = IntegerEnum(ASSIGNABLE_ACCESS_LEVELS, { description: '10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner' });
const MemberParams = Type.Object({ id: ResourceIdParams.properties.id, user_id: Id() });
const ListQuery = Type.Object({ query: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery });

export interface MembersRouteOptions extends RouteOptions {
  /** `groups/:id/members` or `projects/:id/members`: the same routes, GitLab's one members API. */
  source: MemberSourceKind;
}

/** Who manages the members of each kind, for the summaries. */
const MANAGERS: Record<MemberSourceKind, string> = { group: 'Owners', project: 'Maintainers' };

/** GitLab's members API (doc/api/members.md), registered once for groups and once for projects. */
export async function membersRoutes(app: App, { ctx, source }: MembersRouteOptions) {
  const externalUrl = ctx.config.externalUrl;
  const base = `/${source}s/:id/members`;
  const tags = [`${source} members`];
  const managers = MANAGERS[source];

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
      const { items, total } = unwrap(await listMembers(ctx, request.caller, source, request.params.id, { inherited, search: request.query.query }, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((m) => toMemberJson(m, externalUrl));
    });
  }
  listRoute(base, `List the direct members of a ${source}`, false);
  listRoute(`${base}/all`, `List the members of a ${source}, inherited ones included`, true);

  function showRoute(path: string, summary: string, inherited: boolean) {
    app.get(path, { config: { auth: 'optional' }, schema: { tags, summary, params: MemberParams, response: { 200: Ref(MemberJson), ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
      return toMemberJson(unwrap(await getMember(ctx, request.caller, source, request.params.id, request.params.user_id, inherited)), externalUrl);
    });
  }
  showRoute(`${base}/:user_id`, `Get a direct member of a ${source}`, false);
  showRoute(`${base}/all/:user_id`, `Get a member of a ${source}, inherited memberships included`, true);

  const send = (reply: FastifyReply, status: number, member: MemberWithUser) => reply.code(status).send(toMemberJson(member, externalUrl));

  app.post(
    base,
    {
      schema: {
        tags,
        summary: `Add a member to a ${source} (${managers})`,
        params: ResourceIdParams,
        body: Type.Object(
          { user_id: Id(), access_level: AccessLevelField, expires_at: Type.Optional(DateString('Membership expiry')) },
          { examples: [{ user_id: 42, access_level: 30 }] },
        ),
        response: { 201: Ref(MemberJson), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { user_id, access_level, expires_at } = request.body;
      const added = unwrap(await addMember(ctx, requireCaller(request), source, request.params.id, { userId: user_id, accessLevel: access_level, expiresAt: expires_at }));
      return send(reply, 201, added);
    },
  );

  app.put(
    `${base}/:user_id`,
    {
      schema: {
        tags,
        summary: `Change a member's role (${managers})`,
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
        await changeMember(ctx, requireCaller(request), source, request.params.id, { userId: request.params.user_id, accessLevel: access_level, expiresAt: expires_at }),
      );
      return send(reply, 200, changed);
    },
  );

  app.delete(`${base}/:user_id`, { schema: { tags, summary: `Remove a member from a ${source}`, params: MemberParams, response: { 204: NoContent('Removed'), ...errorResponses(400, 401, 403, 404) } } }, async (request, reply) => {
    unwrap(await removeMember(ctx, requireCaller(request), source, request.params.id, request.params.user_id));
    return reply.code(204).send();
  });
}
