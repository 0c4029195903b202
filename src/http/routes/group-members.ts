import { Type } from '@fastify/type-provider-typebox';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { nowIso } from '../../services/context.js';
import { resolveGroup } from '../../services/groups.js';
import {
  addGroupMember,
  allGroupMembers,
  changeGroupMember,
  directGroupMembers,
  findGroupMember,
  removeGroupMember,
  type MemberWithUser,
} from '../../services/members.js';
import { inTransaction } from '../../services/transaction.js';
import { caller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { paginateList } from '../pagination.js';
import { toMemberJson } from '../presenters/members.js';
import { DateString, IntegerEnum, PaginationQuery, ResourceIdParams } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

const tags = ['group members'];
const AccessLevelField = IntegerEnum(ASSIGNABLE_ACCESS_LEVELS, { description: '10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner' });
const MemberParams = Type.Object({ id: ResourceIdParams.properties.id, user_id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object({ query: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery });

export async function groupMemberRoutes(app: App, { ctx }: RouteOptions) {
  const db = ctx.database.db;
  const externalUrl = ctx.config.externalUrl;

  function listRoute(path: string, summary: string, load: typeof directGroupMembers) {
    app.get(path, { config: { auth: 'optional' }, schema: { tags, summary, params: ResourceIdParams, querystring: ListQuery } }, async (request, reply) => {
      const { group } = unwrap(await resolveGroup(db, request.auth?.actor ?? null, request.params.id));
      const search = request.query.query?.toLowerCase();
      const members = (await load(db, group)).filter(
        ({ user }) => !search || user.username.toLowerCase().includes(search) || user.name.toLowerCase().includes(search),
      );
      return paginateList(request, reply, externalUrl, members).map((m) => toMemberJson(m, externalUrl));
    });
  }
  listRoute('/groups/:id/members', 'List the direct members of a group', directGroupMembers);
  listRoute('/groups/:id/members/all', 'List the members of a group, inherited ones included', allGroupMembers);

  function showRoute(path: string, summary: string, inherited: boolean) {
    app.get(path, { config: { auth: 'optional' }, schema: { tags, summary, params: MemberParams } }, async (request) => {
      const { group } = unwrap(await resolveGroup(db, request.auth?.actor ?? null, request.params.id));
      return toMemberJson(unwrap(await findGroupMember(db, group, request.params.user_id, inherited)), externalUrl);
    });
  }
  showRoute('/groups/:id/members/:user_id', 'Get a direct member of a group', false);
  showRoute('/groups/:id/members/all/:user_id', 'Get a member of a group, inherited memberships included', true);

  const send = (reply: FastifyReply, status: number, member: MemberWithUser) => reply.code(status).send(toMemberJson(member, externalUrl));
  const resolvedFor = async (request: FastifyRequest, id: string) => {
    const { actor } = caller(request);
    return { actor, resolved: unwrap(await resolveGroup(db, actor, id)) };
  };

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
      },
    },
    async (request, reply) => {
      const { actor, resolved } = await resolvedFor(request, request.params.id);
      const { user_id, access_level, expires_at } = request.body;
      const added = unwrap(await inTransaction(ctx.database, (trx) => addGroupMember(trx, actor, resolved, { userId: user_id, accessLevel: access_level, expiresAt: expires_at }, nowIso(ctx))));
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
      },
    },
    async (request, reply) => {
      const { actor, resolved } = await resolvedFor(request, request.params.id);
      const { access_level, expires_at } = request.body;
      const changed = unwrap(
        await inTransaction(ctx.database, (trx) => changeGroupMember(trx, actor, resolved, { userId: request.params.user_id, accessLevel: access_level, expiresAt: expires_at }, nowIso(ctx))),
      );
      return send(reply, 200, changed);
    },
  );

  app.delete('/groups/:id/members/:user_id', { schema: { tags, summary: 'Remove a member from a group', params: MemberParams } }, async (request, reply) => {
    const { actor, resolved } = await resolvedFor(request, request.params.id);
    unwrap(await inTransaction(ctx.database, (trx) => removeGroupMember(trx, actor, resolved, request.params.user_id)));
    return reply.code(204).send();
  });
}
