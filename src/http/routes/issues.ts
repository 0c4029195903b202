import { Type } from '@fastify/type-provider-typebox';
import { nowIso } from '../../services/context.js';
import { openIssue } from '../../services/issues.js';
import { resolveProject } from '../../services/projects.js';
import { inTransaction } from '../../services/transaction.js';
import { findIssue, listIssues } from '../../store/repositories/projects.js';
import { findUserById } from '../../store/repositories/users.js';
import type { IssueRow } from '../../store/schema.js';
import { caller } from '../plugins/auth.js';
import { HttpError, unwrap } from '../plugins/errors.js';
import { pageOf, setPaginationHeaders } from '../pagination.js';
import { toIssueJson } from '../presenters/projects.js';
import { PaginationQuery, ResourceIdParams } from '../schemas.js';
import type { ResolvedProject } from '../../services/projects.js';
import type { App, RouteOptions } from '../types.js';
import { isRecordId } from '../../store/repositories/common.js';

const tags = ['issues'];

export async function issueRoutes(app: App, { ctx }: RouteOptions) {
  const db = ctx.database.db;
  const externalUrl = ctx.config.externalUrl;

  async function present(issues: IssueRow[], { project, group }: ResolvedProject) {
    const authorIds = [...new Set(issues.map((i) => i.author_id))];
    const authors = authorIds.length === 0 ? [] : await db.selectFrom('users').selectAll().where('id', 'in', authorIds).execute();
    const byId = new Map(authors.map((a) => [a.id, a]));
    return issues.map((issue) => toIssueJson(issue, project, group, byId.get(issue.author_id)!, externalUrl));
  }

  app.get(
    '/projects/:id/issues',
    { config: { auth: 'optional' }, schema: { tags, summary: 'List the issues of a project', params: ResourceIdParams, querystring: Type.Object({ ...PaginationQuery }) } },
    async (request, reply) => {
      const resolved = unwrap(await resolveProject(db, request.auth?.actor ?? null, request.params.id));
      const page = pageOf(request.query);
      const { rows, total } = await listIssues(db, resolved.project.id, page);
      setPaginationHeaders(request, reply, externalUrl, page, total);
      return present(rows, resolved);
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
      },
    },
    async (request, reply) => {
      const { actor } = caller(request);
      const resolved = unwrap(await resolveProject(db, actor, request.params.id));
      const issue = unwrap(await inTransaction(ctx.database, (trx) => openIssue(trx, actor, resolved, request.body, nowIso(ctx))));
      return reply.code(201).send((await present([issue], resolved))[0]);
    },
  );

  app.get(
    '/projects/:id/issues/:iid',
    {
      config: { auth: 'optional' },
      schema: { tags, summary: 'Get an issue', params: Type.Object({ id: ResourceIdParams.properties.id, iid: Type.Integer({ minimum: 1 }) }) },
    },
    async (request) => {
      const resolved = unwrap(await resolveProject(db, request.auth?.actor ?? null, request.params.id));
      const issue = isRecordId(request.params.iid) ? await findIssue(db, resolved.project.id, request.params.iid) : undefined;
      if (!issue || !(await findUserById(db, issue.author_id))) throw new HttpError(404, { message: '404 Issue Not Found' });
      return (await present([issue], resolved))[0];
    },
  );
}
