import { Type } from '@fastify/type-provider-typebox';
import { getIssue, listIssues, openIssue, type IssueWithAuthor } from '../../services/issues.js';
import type { ResolvedProject } from '../../services/projects.js';
import { requireCaller } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { IssueJson, toIssueJson } from '../presenters/projects.js';
import { errorResponses, Id, PaginationQuery, Ref, ResourceIdParams } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['issues'];

export async function issueRoutes(app: App, { ctx }: RouteOptions) {
  const externalUrl = ctx.config.externalUrl;
  const present = ({ issue, author }: IssueWithAuthor, { project, group }: ResolvedProject) => toIssueJson(issue, project, group, author, externalUrl);

  app.get(
    '/projects/:id/issues',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'List the issues of a project',
        params: ResourceIdParams,
        querystring: Type.Object({ ...PaginationQuery }),
        response: { 200: Type.Array(Ref(IssueJson), { description: 'The issues, one page (see the pagination headers)' }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const page = pageOf(request.query);
      const { project, items, total } = unwrap(await listIssues(ctx, request.caller, request.params.id, page));
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return items.map((issue) => present(issue, project));
    },
  );

  app.post(
    '/projects/:id/issues',
    {
      schema: {
        tags,
        summary: 'Open an issue (authored by the caller: a bot, when a group access token calls)',
        params: ResourceIdParams,
        body: Type.Object(
          { title: Type.String({ maxLength: 1024 }), description: Type.Optional(Type.String({ maxLength: 1_000_000 })) },
          { examples: [{ title: 'Nightly build failed', description: 'Opened by the CI bot' }] },
        ),
        response: { 201: Ref(IssueJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const opened = unwrap(await openIssue(ctx, requireCaller(request), request.params.id, request.body));
      return reply.code(201).send(present(opened, opened.project));
    },
  );

  app.get(
    '/projects/:id/issues/:iid',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary: 'Get an issue',
        params: Type.Object({ id: ResourceIdParams.properties.id, iid: Id() }),
        response: { 200: Ref(IssueJson), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const found = unwrap(await getIssue(ctx, request.caller, request.params.id, request.params.iid));
      return present(found, found.project);
    },
  );
}
