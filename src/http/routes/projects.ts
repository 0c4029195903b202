import { Type } from '@fastify/type-provider-typebox';
import { VISIBILITIES } from '../../domain/permissions.js';
import { nowIso } from '../../services/context.js';
import { groupFullNames } from '../../services/groups.js';
import { createProject, resolveProject, visibleProjects, type ResolvedProject } from '../../services/projects.js';
import { createProjectRepository } from '../../services/repositories.js';
import { inTransaction } from '../../services/transaction.js';
import { caller } from '../plugins/auth.js';
import { paramError, unwrap } from '../plugins/errors.js';
import { paginateList } from '../pagination.js';
import { toProjectJson } from '../presenters/projects.js';
import { PaginationQuery, ResourceIdParams, StringEnum } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import type { Db } from '../../store/repositories/common.js';

const tags = ['projects'];

export async function presentProjects(db: Db, projects: ResolvedProject[], externalUrl: string) {
  const names = await groupFullNames(db, projects.map((p) => p.group));
  return projects.map((p) => toProjectJson(p.project, p.group, names.get(p.group.id) ?? p.group.name, externalUrl));
}

export async function projectRoutes(app: App, { ctx }: RouteOptions) {
  const db = ctx.database.db;
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
      },
    },
    async (request, reply) => {
      const { search, membership, visibility } = request.query;
      const projects = (await visibleProjects(db, request.auth?.actor ?? null))
        .filter((p) => !membership || p.level > 0)
        .filter((p) => !visibility || p.project.visibility === visibility)
        .filter((p) => !search || p.project.name.toLowerCase().includes(search.toLowerCase()));
      return presentProjects(db, paginateList(request, reply, externalUrl, projects), externalUrl);
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
      },
    },
    async (request, reply) => {
      const { actor } = caller(request);
      const { name, path, namespace_id, description, visibility } = request.body;
      if (name === undefined && path === undefined) throw paramError('name, path are missing, at least one parameter must be provided');
      const created = unwrap(
        await inTransaction(ctx.database, (trx) => createProject(trx, actor, { name, path, namespaceId: namespace_id, description, visibility }, nowIso(ctx))),
      );
      await createProjectRepository(ctx, created);
      return reply.code(201).send((await presentProjects(db, [created], externalUrl))[0]);
    },
  );

  app.get('/projects/:id', { config: { auth: 'optional' }, schema: { tags, summary: 'Get a project', params: ResourceIdParams } }, async (request) => {
    const resolved = unwrap(await resolveProject(db, request.auth?.actor ?? null, request.params.id));
    return (await presentProjects(db, [resolved], externalUrl))[0];
  });
}
