import { Type } from '@fastify/type-provider-typebox';
import { AccessLevel, ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { VISIBILITIES } from '../../domain/permissions.js';
import { nowIso } from '../../services/context.js';
import { inTransaction } from '../../services/transaction.js';
import { changeGroup, createGroup, groupFullNames, removeGroup, resolveGroup, subgroupsOf, visibleGroups } from '../../services/groups.js';
import { visibleProjects } from '../../services/projects.js';
import { removeGroupRepositories } from '../../services/repositories.js';
import { traversalIds } from '../../store/repositories/groups.js';
import type { Db } from '../../store/repositories/common.js';
import type { GroupRow } from '../../store/schema.js';
import { caller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { paginateList } from '../pagination.js';
import { toGroupJson } from '../presenters/groups.js';
import { presentProjects } from './projects.js';
import { IntegerEnum, PaginationQuery, ResourceIdParams, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['groups'];
const Visibility = StringEnum(VISIBILITIES, { description: 'private, internal or public' });

const GroupSettingsFields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  visibility: Type.Optional(Visibility),
  resource_access_token_creation_allowed: Type.Optional(
    Type.Boolean({ description: 'Top-level groups only: whether users can create project and group access tokens in this group hierarchy' }),
  ),
  resource_access_token_notify_inherited: Type.Optional(
    // A type list, not a union: with type coercion on, a union's branches would turn null into false or false into null.
    Type.Unsafe<boolean | null>({ type: ['boolean', 'null'], description: 'Send token expiry emails to inherited Owners too (cascades to subgroups); null inherits' }),
  ),
  lock_resource_access_token_notify_inherited: Type.Optional(Type.Boolean({ description: 'Subgroups cannot override resource_access_token_notify_inherited' })),
};

/** Group JSON for many groups at once (full names need the ancestors). */
export async function presentGroups(db: Db, groups: GroupRow[], externalUrl: string) {
  const names = await groupFullNames(db, groups);
  return groups.map((g) => toGroupJson(g, names.get(g.id) ?? g.name, externalUrl));
}

export async function groupRoutes(app: App, { ctx }: RouteOptions) {
  const db = ctx.database.db;
  const externalUrl = ctx.config.externalUrl;
  const present = async (group: GroupRow) => (await presentGroups(db, [group], externalUrl))[0]!;

  app.get(
    '/groups',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'List the groups you can see',
        querystring: Type.Object({
          search: Type.Optional(Type.String({ maxLength: 255 })),
          owned: Type.Optional(Type.Boolean()),
          min_access_level: Type.Optional(IntegerEnum(ASSIGNABLE_ACCESS_LEVELS)),
          top_level_only: Type.Optional(Type.Boolean()),
          all_available: Type.Optional(
            Type.Boolean({ description: 'Every group you can see, not only those you are a member of (default false, true for administrators)' }),
          ),
          ...PaginationQuery,
        }),
      },
    },
    async (request, reply) => {
      const actor = request.auth?.actor ?? null;
      const { search, owned, min_access_level, top_level_only, all_available } = request.query;
      // GitLab: a signed-in user sees the groups they belong to unless they ask for all_available.
      const membersOnly = actor !== null && !(all_available ?? actor.isAdmin);
      const minLevel = owned ? AccessLevel.OWNER : min_access_level;
      const groups = (await visibleGroups(db, actor))
        .filter(({ level }) => !membersOnly || level > 0)
        .filter(({ level }) => minLevel === undefined || level >= minLevel)
        .filter(({ group }) => !top_level_only || group.parent_id === null)
        .filter(({ group }) => !search || `${group.name} ${group.path}`.toLowerCase().includes(search.toLowerCase()))
        .map(({ group }) => group);
      return presentGroups(db, paginateList(request, reply, externalUrl, groups), externalUrl);
    },
  );

  app.post(
    '/groups',
    {
      schema: {
        tags,
        summary: 'Create a group or, with parent_id, a subgroup',
        body: Type.Object({
          name: Type.String({ maxLength: 1024 }),
          path: Type.String({ maxLength: 1024 }),
          parent_id: Type.Optional(Type.Integer({ minimum: 1 })),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
          visibility: Type.Optional(Visibility),
        }, { examples: [{ name: 'Platform', path: 'platform', visibility: 'private' }, { name: 'Deploy', path: 'deploy', parent_id: 7 }] }),
      },
    },
    async (request, reply) => {
      const { user, actor } = caller(request);
      const { name, path, parent_id, description, visibility } = request.body;
      const group = unwrap(
        await inTransaction(ctx.database, (trx) => createGroup(trx, user, actor, { name, path, parentId: parent_id, description, visibility }, nowIso(ctx))),
      );
      return reply.code(201).send(await present(group));
    },
  );

  app.get('/groups/:id', { config: { auth: 'optional' }, schema: { tags, summary: 'Get a group', params: ResourceIdParams } }, async (request) => {
    const { group } = unwrap(await resolveGroup(db, request.auth?.actor ?? null, request.params.id));
    return present(group);
  });

  app.put(
    '/groups/:id',
    {
      schema: {
        tags,
        summary: 'Update a group (Owners)',
        params: ResourceIdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 1024 })), ...GroupSettingsFields }, { examples: [{ resource_access_token_creation_allowed: false }] }),
      },
    },
    async (request) => {
      const { actor } = caller(request);
      const resolved = unwrap(await resolveGroup(db, actor, request.params.id));
      return present(unwrap(await changeGroup(db, actor, resolved, request.body ?? {}, nowIso(ctx))));
    },
  );

  app.delete('/groups/:id', { schema: { tags, summary: 'Delete a group with its subgroups and projects (Owners)', params: ResourceIdParams } }, async (request, reply) => {
    const { actor } = caller(request);
    const resolved = unwrap(await resolveGroup(db, actor, request.params.id));
    unwrap(await inTransaction(ctx.database, (trx) => removeGroup(trx, actor, resolved)));
    await removeGroupRepositories(ctx, resolved.group);
    return reply.code(202).send({ message: '202 Accepted' });
  });

  app.get(
    '/groups/:id/subgroups',
    { config: { auth: 'optional' }, schema: { tags, summary: 'List the subgroups of a group', params: ResourceIdParams, querystring: Type.Object({ ...PaginationQuery }) } },
    async (request, reply) => {
      const actor = request.auth?.actor ?? null;
      const { group } = unwrap(await resolveGroup(db, actor, request.params.id));
      const visible = new Set((await visibleGroups(db, actor)).map((g) => g.group.id));
      const children = (await subgroupsOf(db, group)).filter((g) => visible.has(g.id));
      return presentGroups(db, paginateList(request, reply, externalUrl, children), externalUrl);
    },
  );

  app.get(
    '/groups/:id/projects',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'List the projects of a group',
        params: ResourceIdParams,
        querystring: Type.Object({ include_subgroups: Type.Optional(Type.Boolean()), search: Type.Optional(Type.String({ maxLength: 255 })), ...PaginationQuery }),
      },
    },
    async (request, reply) => {
      const actor = request.auth?.actor ?? null;
      const { group } = unwrap(await resolveGroup(db, actor, request.params.id));
      const { include_subgroups, search } = request.query;
      const projects = (await visibleProjects(db, actor))
        .filter((p) => (include_subgroups ? traversalIds(p.group).includes(group.id) : p.group.id === group.id))
        .filter((p) => !search || p.project.name.toLowerCase().includes(search.toLowerCase()));
      return presentProjects(db, paginateList(request, reply, externalUrl, projects), externalUrl);
    },
  );
}
