import type { GroupRow, IssueRow, ProjectRow, UserRow } from '../../store/schema.js';
import { toUserBasicJson, UserBasicJson } from './users.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { VISIBILITIES } from '../../domain/permissions.js';
import { Entity, Nullable, Ref, StringEnum, Timestamp } from '../schemas.js';

export const ProjectJson = Entity(
  Type.Object(
    {
      id: Type.Integer({ description: 'ID of the project' }),
      description: Type.String({ description: 'Description of the project' }),
      name: Type.String({ description: 'Name of the project' }),
      name_with_namespace: Type.String({ description: 'Full name of the group, " / ", name', examples: ['Platform / api-server'] }),
      path: Type.String({ description: 'Path of the project (its last URL segment)' }),
      path_with_namespace: Type.String({ description: 'Full path of the group, "/", path', examples: ['platform/api-server'] }),
      created_at: Timestamp('When the project was created'),
      default_branch: Type.String({ description: 'Always main here' }),
      tag_list: Type.Array(Type.String(), { description: 'Deprecated name of topics; always empty here' }),
      topics: Type.Array(Type.String(), { description: 'Always empty here' }),
      ssh_url_to_repo: Nullable(Type.String({ description: 'Always null: Tollgate serves git over HTTP(S) only' })),
      http_url_to_repo: Type.String({ description: 'Clone URL', examples: ['https://tollgate.example.com/platform/api-server.git'] }),
      web_url: Type.String({ description: "The project's page" }),
      readme_url: Nullable(Type.String({ description: 'Always null here' })),
      avatar_url: Nullable(Type.String({ description: 'Always null here' })),
      forks_count: Type.Integer({ description: 'Always 0 here' }),
      star_count: Type.Integer({ description: 'Always 0 here' }),
      last_activity_at: Timestamp('When the project last changed'),
      visibility: StringEnum(VISIBILITIES, { description: 'private, internal or public' }),
      namespace: Type.Object(
        {
          id: Type.Integer({ description: 'ID of the group' }),
          name: Type.String({ description: 'Name of the group' }),
          path: Type.String({ description: 'Path of the group' }),
          kind: Type.String({ description: 'Always group here' }),
          full_path: Type.String({ description: 'Full path of the group' }),
          parent_id: Nullable(Type.Integer({ description: "ID of the group's parent; null for a top-level group" })),
          avatar_url: Nullable(Type.String({ description: 'Always null here' })),
          web_url: Type.String({ description: "The group's page" }),
        },
        { description: 'The group the project belongs to' },
      ),
      creator_id: Nullable(Type.Integer({ description: 'ID of the user who created the project' })),
      archived: Type.Boolean({ description: 'Always false here' }),
      empty_repo: Type.Boolean({ description: 'Always true here' }),
    },
    { $id: 'Project', description: "A project (GitLab's Project entity, the fields Tollgate has)" },
  ),
);

export const IssueJson = Entity(
  Type.Object(
    {
      id: Type.Integer({ description: 'ID of the issue' }),
      iid: Type.Integer({ description: 'Number of the issue within its project' }),
      project_id: Type.Integer({ description: 'ID of the project' }),
      title: Type.String({ description: 'Title' }),
      description: Nullable(Type.String({ description: 'Description' })),
      state: StringEnum(['opened', 'closed'] as const, { description: 'opened or closed' }),
      created_at: Timestamp('When the issue was opened'),
      updated_at: Timestamp('When the issue last changed'),
      closed_at: Nullable(Timestamp('When the issue was closed; always null here')),
      labels: Type.Array(Type.String(), { description: 'Always empty here' }),
      assignees: Type.Array(Ref(UserBasicJson), { description: 'Always empty here' }),
      author: Ref(UserBasicJson, 'Who opened the issue (a bot, when a group access token did)'),
      type: Type.String({ description: 'Always ISSUE here' }),
      web_url: Type.String({ description: "The issue's page" }),
    },
    { $id: 'Issue', description: "An issue (GitLab's Issue entity, the fields Tollgate has)" },
  ),
);

export function toProjectJson(project: ProjectRow, group: GroupRow, groupFullName: string, externalUrl: string): Static<typeof ProjectJson> {
  const pathWithNamespace = `${group.full_path}/${project.path}`;
  const webUrl = `${externalUrl}/${pathWithNamespace}`;
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: `${groupFullName} / ${project.name}`,
    path: project.path,
    path_with_namespace: pathWithNamespace,
    created_at: project.created_at,
    default_branch: 'main',
    tag_list: [],
    topics: [],
    ssh_url_to_repo: null,
    http_url_to_repo: `${webUrl}.git`,
    web_url: webUrl,
    readme_url: null,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    last_activity_at: project.updated_at,
    visibility: project.visibility,
    namespace: {
      id: group.id,
      name: group.name,
      path: group.path,
      kind: 'group',
      full_path: group.full_path,
      parent_id: group.parent_id,
      avatar_url: null,
      web_url: `${externalUrl}/groups/${group.full_path}`,
    },
    creator_id: project.creator_id,
    archived: false,
    empty_repo: true,
  };
}

export function toIssueJson(issue: IssueRow, project: ProjectRow, group: GroupRow, author: UserRow, externalUrl: string): Static<typeof IssueJson> {
  return {
    id: issue.id,
    iid: issue.iid,
    project_id: issue.project_id,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: null,
    labels: [],
    assignees: [],
    author: toUserBasicJson(author, externalUrl),
    type: 'ISSUE',
    web_url: `${externalUrl}/${group.full_path}/${project.path}/-/issues/${issue.iid}`,
  };
}
