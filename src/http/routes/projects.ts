import { Type } from '@fastify/type-provider-typebox';
import { VISIBILITIES } from '../../domain/permissions.js';
import { createProject, getProject, getProjectAbilities, listProjects, type NamedProject } from '../../services/projects.js';
import { requireCaller } from '../plugins/auth.js';
import { paramError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { ProjectJson, toProjectJson } from '../presenters/projects.js';
import { errorResponses, PaginationQuery, Ref, ResourceIdParams, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['projects'];

const ProjectAbilitiesJson = Type.Object(
  {
    admin_project: Type.Boolean({ description: "Change the project's settings (Maintainers)" }),
    read_resource_access_tokens: Type.Boolean({ description: 'List, read and revoke project access tokens (Maintainers)' }),
    create_resource_access_token: Type.Boolean({ description: 'Create and rotate project access tokens (Maintainers, when the top-level group allows it; never a bot)' }),
    access_level: Type.Integer({
      description: 'Your role: the highest of your project membership and your memberships of the groups above it, administrators counting as Owner (0: none). Also the highest role you may give a token',
    }),
  },
  { description: 'Your abilities on the project' },
);

export const presentProject = ({ project, group, groupFullName }: NamedProject, externalUrl: string) => toProjectJson(project, group, groupFullName, externalUrl);

export async function projectRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;

  app.get(
    '/projects',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'List the projects you can see',
        querystring: Type.Object({
          search: Type.Optional(Type.String({ maxLength: 255 })),
          membership: Type.Optional(Type.Boolean()),
          visibility: Type.Optional(StringEnum(VISIBILITIES)),
          simple: Type.Optional(Type.Boolean()),
          ...PaginationQuery,
        }),
        response: {
          200: Type.Array(Ref(ProjectJson), { description: 'The projects, one page (see the pagination headers)' }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { search, membership, visibility } = request.query;
      const page = pageOf(request.query);
      const { items, total } = await listProjects(ctx, request.caller, { search, membership, visibility }, page);
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((p) => presentProject(p, externalUrl));
    },
  );

  app.post(
    '/projects',
    {
      schema: {
        tags,
        summary: 'Create a project in a group',
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 1024 })),
          path: Type.Optional(Type.String({ maxLength: 1024 })),
          // One string type (numbers are coerced): a union would report each branch's error.
          namespace_id: Type.String({ minLength: 1, maxLength: 1024, description: 'ID or full path of the group' }),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
          visibility: Type.Optional(StringEnum(VISIBILITIES)),
        }, { examples: [{ name: 'api-server', namespace_id: '7', visibility: 'internal' }] }),
        response: { 201: Ref(ProjectJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const { name, path, namespace_id, description, visibility } = request.body;
      if (name === undefined && path === undefined) throw paramError('name, path are missing, at least one parameter must be provided');
      const created = unwrap(await createProject(ctx, caller, { name, path, namespaceId: namespace_id, description, visibility }));
      return reply.code(201).send(presentProject(created, externalUrl));
    },
  );

  app.get(
    '/projects/:id/abilities',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: "What you may do on a project (Tollgate's own)",
        description:
          "GitLab's abilities for the caller on this project, computed by the rules the API enforces, for clients that show or hide actions (Tollgate's web UI). Not in GitLab's API.",
        params: ResourceIdParams,
        response: { 200: ProjectAbilitiesJson, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => unwrap(await getProjectAbilities(ctx, request.caller, request.params.id)),
  );

  app.get('/projects/:id', { config: { auth: 'optional' }, schema: { tags, summary: 'Get a project', params: ResourceIdParams, response: { 200: Ref(ProjectJson), ...errorResponses(400, 401, 403, 404) } } }, async (request) => {
    return presentProject(unwrap(await getProject(ctx, request.caller, request.params.id)), externalUrl);
  });
}
