import type { GroupRow, IssueRow, ProjectRow, UserRow } from '../../store/schema.js';
import { toUserBasicJson } from './users.js';

export function toProjectJson(project: ProjectRow, group: GroupRow, groupFullName: string, externalUrl: string) {
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

export function toIssueJson(issue: IssueRow, project: ProjectRow, group: GroupRow, author: UserRow, externalUrl: string) {
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
