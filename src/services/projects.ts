import { canCreateProject, canRead, type Actor, type Visibility } from '../domain/permissions.js';
import { badRequest, forbidden, notFound, ok, type Result } from '../domain/result.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { findGroupByFullPath, findGroupById, listAllGroups } from '../store/repositories/groups.js';
import { findProjectById, findProjectInGroup, insertProject, listAllProjects } from '../store/repositories/projects.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';
import { inheritedLevel, membershipLevels, projectAccessLevel } from './access.js';
import { pathError, resolveGroup, visibilityError } from './groups.js';

const PATH_TAKEN = 'Path has already been taken';

export interface ResolvedProject {
  project: ProjectRow;
  group: GroupRow;
  level: number;
}

const NUMERIC_ID = /^\d+$/;

/** `:id` is a numeric id or `group/sub/project`; a project the actor may not read is not found. */
export async function resolveProject(db: Db, actor: Actor | null, id: string): Promise<Result<ResolvedProject>> {
  let project: ProjectRow | undefined;
  let group: GroupRow | undefined;
  if (NUMERIC_ID.test(id)) {
    project = isRecordId(Number(id)) ? await findProjectById(db, Number(id)) : undefined;
    group = project && (await findGroupById(db, project.group_id));
  } else {
    const slash = id.lastIndexOf('/');
    group = slash > 0 ? await findGroupByFullPath(db, id.slice(0, slash)) : undefined;
    project = group && (await findProjectInGroup(db, group.id, id.slice(slash + 1)));
  }
  if (!project || !group) return notFound('Project');
  const level = await projectAccessLevel(db, actor?.id, project, group);
  if (!canRead(actor, project.visibility, level)) return notFound('Project');
  return ok({ project, group, level });
}

/** GitLab's parameterize: the path a name gives when none is given. */
export function pathFromName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

export interface NewProjectInput {
  name?: string | undefined;
  path?: string | undefined;
  namespaceId: string;
  visibility?: Visibility | undefined;
  description?: string | undefined;
}

export async function createProject(db: Db, actor: Actor, input: NewProjectInput, now: string): Promise<Result<ResolvedProject>> {
  const resolved = await resolveGroup(db, actor, input.namespaceId);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  if (!canCreateProject(actor, level)) return forbidden();
  const name = input.name ?? input.path ?? '';
  const path = input.path ?? pathFromName(name);
  const errors: string[] = [];
  if (name.trim() === '') errors.push("Name can't be blank");
  if (name.length > 255) errors.push('Name is too long (maximum is 255 characters)');
  const badPath = pathError(path);
  if (badPath) errors.push(badPath);
  const visibility = input.visibility ?? 'private';
  const badVisibility = visibilityError(visibility, group, 'project');
  if (badVisibility) errors.push(badVisibility);
  if (errors.length > 0) return badRequest(errors.join(', '));
  // Projects and subgroups share the group's namespace (and URLs), as in GitLab.
  if ((await findProjectInGroup(db, group.id, path)) || (await findGroupByFullPath(db, `${group.full_path}/${path}`))) return badRequest(PATH_TAKEN);
  try {
    const project = await insertProject(db, {
      name,
      path,
      group_id: group.id,
      visibility,
      description: input.description ?? '',
      creator_id: actor.id,
      created_at: now,
      updated_at: now,
    });
    return ok({ project, group, level });
  } catch (error) {
    if (isUniqueViolation(error)) return badRequest(PATH_TAKEN);
    throw error;
  }
}

/** Every project the actor can read (through membership of it or of a group above it, or visibility). */
export async function visibleProjects(db: Db, actor: Actor | null): Promise<ResolvedProject[]> {
  const [projects, groups, levels] = await Promise.all([listAllProjects(db), listAllGroups(db), membershipLevels(db, actor?.id)]);
  const groupById = new Map(groups.map((g) => [g.id, g]));
  return projects
    .map((project) => {
      const group = groupById.get(project.group_id)!;
      const level = Math.max(inheritedLevel(group, levels.groups), levels.projects.get(project.id) ?? 0);
      return { project, group, level };
    })
    .filter(({ project, level }) => canRead(actor, project.visibility, level));
}
