import { Type } from '@fastify/type-provider-typebox';
import { AccessLevel, ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { VISIBILITIES } from '../../domain/permissions.js';
import { changeGroup, createGroup, getGroup, getGroupAbilities, listGroups, listSubgroups, removeGroup, type NamedGroup } from '../../services/groups.js';
import { listGroupProjects } from '../../services/projects.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { GroupJson, toGroupJson } from '../presenters/groups.js';
import { ProjectJson } from '../presenters/projects.js';
import { presentProject } from './projects.js';
import { errorResponses, Id, IntegerEnum, PaginationQuery, Ref, ResourceIdParams, StringEnum } from '../schemas.js';
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

const GroupAbilitiesJson = Type.Object(
  {
    admin_group: Type.Boolean({ description: 'Change the settings of the group and delete it (Owners)' }),
    admin_group_member: Type.Boolean({ description: 'Add, change and remove members (Owners)' }),
    create_subgroup: Type.Boolean({ description: 'Create subgroups (Maintainers)' }),
    create_projects: Type.Boolean({ description: 'Create projects (Developers)' }),
    read_resource_access_tokens: Type.Boolean({ description: 'List, read and revoke group access tokens (Owners)' }),
    create_resource_access_token: Type.Boolean({ description: 'Create and rotate group access tokens (Owners, when the top-level group allows it; never a bot)' }),
    access_level: Type.Integer({
      description: 'Your role: your highest membership of the group or a group above it, administrators counting as Owner (0: none). Also the highest role you may give a token',
    }),
  },
  { description: 'Your abilities on the group' },
);

const GroupList = Type.Array(Ref(GroupJson), { description: 'The groups, one page (see the pagination headers)' });

export async function groupRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;
  const present = ({ group, fullName }: NamedGroup) => toGroupJson(group, fullName, externalUrl);

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
        response: { 200: GroupList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { search, owned, min_access_level, top_level_only, all_available } = request.query;
      const filters = { search, minAccessLevel: owned ? AccessLevel.OWNER : min_access_level, topLevelOnly: top_level_only, allAvailable: all_available };
      const page = pageOf(request.query);
      const { items, total } = await listGroups(ctx, request.caller, filters, page);
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map(present);
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
          parent_id: Type.Optional(Id()),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
          visibility: Type.Optional(Visibility),
        }, { examples: [{ name: 'Platform', path: 'platform', visibility: 'private' }, { name: 'Deploy', path: 'deploy', parent_id: 7 }] }),
        response: { 201: Ref(GroupJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { name, path, parent_id, description, visibility } = request.body;
      const group = unwrap(await createGroup(ctx, requireCaller(request), { name, path, parentId: parent_id, description, visibility }));
      return reply.code(201).send(present(group));
    },
  );

  app.get('/groups/:id', { config: { auth: 'optional' }, schema: { tags, summary: 'Get a group', params: ResourceIdParams, response: { 200: Ref(GroupJson), ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
    return present(unwrap(await getGroup(ctx, request.caller, request.params.id)));
  });

  app.get(
    '/groups/:id/abilities',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: "What you may do on a group (Tollgate's own)",
        description:
          "GitLab's abilities for the caller on this group, computed by the rules the API enforces, for clients that show or hide actions (Tollgate's web UI). Not in GitLab's API.",
        params: ResourceIdParams,
        response: { 200: GroupAbilitiesJson, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => unwrap(await getGroupAbilities(ctx, request.caller, request.params.id)),
  );

  app.put(
    '/groups/:id',
    {
      schema: {
        tags,
        summary: 'Update a group (Owners)',
        params: ResourceIdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 1024 })), ...GroupSettingsFields }, { examples: [{ resource_access_token_creation_allowed: false }] }),
        response: { 200: Ref(GroupJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      return present(unwrap(await changeGroup(ctx, requireCaller(request), request.params.id, request.body ?? {})));
    },
  );

  app.delete('/groups/:id', {
    schema: {
      tags,
      summary: 'Delete a group with its subgroups and projects (Owners)',
      params: ResourceIdParams,
      response: {
        202: Type.Object({ message: Type.String({ examples: ['202 Accepted'] }) }, { description: 'Deleted, with its subgroups, projects and their repositories' }),
        ...errorResponses(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    unwrap(await removeGroup(ctx, requireCaller(request), request.params.id));
    return reply.code(202).send({ message: '202 Accepted' });
  });

  app.get(
    '/groups/:id/subgroups',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'List the subgroups of a group',
        params: ResourceIdParams,
        querystring: Type.Object({ ...PaginationQuery }),
        response: { 200: GroupList, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query);
      const { items, total } = unwrap(await listSubgroups(ctx, request.caller, request.params.id, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map(present);
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
        response: {
          200: Type.Array(Ref(ProjectJson), { description: 'The projects, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const { include_subgroups, search } = request.query;
      const page = pageOf(request.query);
      const { items, total } = unwrap(await listGroupProjects(ctx, request.caller, request.params.id, { includeSubgroups: include_subgroups, search }, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((p) => presentProject(p, externalUrl));
    },
  );
}
