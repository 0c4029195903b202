import { failure, invalidFields, type FieldError } from '../domain/errors.js';
import { canCreateProject, canRead, projectAbilities, type Actor, type ProjectAbilities, type Visibility } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { transaction } from '../store/database.js';
import { type Db, isRecordId, isUniqueViolation } from '../store/repositories/common.js';
import { findGroupByFullPath, findGroupById, listAllGroups, traversalIds } from '../store/repositories/groups.js';
import { findProjectById, findProjectInGroup, insertProject, listAllProjects } from '../store/repositories/projects.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';
import { loadedProjectLevel, membershipLevels, projectAccessLevel } from './access.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { groupFullNames, pathError, resolveGroup, tokenCreationAllowed, visibilityError } from './groups.js';
import { pageOfList, type Listed, type Page } from './lists.js';
import { createProjectRepository } from './repositories.js';

export interface ResolvedProject {
  project: ProjectRow;
  group: GroupRow;
  level: number;
}

/** A project with its group's full name ("Root / Sub"), as the API shows it. */
export interface NamedProject {
  project: ProjectRow;
  group: GroupRow;
  groupFullName: string;
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
  if (!project || !group) return failure('project_not_found');
  const level = await projectAccessLevel(db, actor?.id, project, group);
  if (!canRead(actor, project.visibility, level)) return failure('project_not_found');
  return ok({ project, group, level });
}

/** GitLab's parameterize: the path a name gives when none is given. */
function pathFromName(name: string): string {
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

/**
 * The project's record, in one transaction: what POST /projects writes before it makes the
 * repository (createProject). The creator is the caller.
 */
export async function createProjectRecord(ctx: ServiceContext, caller: Caller, input: NewProjectInput): Promise<Result<ResolvedProject>> {
  return transaction(ctx.database, async (db) => {
    const resolved = await resolveGroup(db, caller, input.namespaceId);
    if (!resolved.ok) return resolved;
    const { group, level } = resolved.value;
    if (!canCreateProject(caller, level)) return failure('forbidden');
    const name = input.name ?? input.path ?? '';
    const path = input.path ?? pathFromName(name);
    const errors: FieldError[] = [];
    if (name.trim() === '') errors.push({ field: 'name', message: "Name can't be blank" });
    if (name.length > 255) errors.push({ field: 'name', message: 'Name is too long (maximum is 255 characters)' });
    const badPath = pathError(path);
    if (badPath) errors.push({ field: 'path', message: badPath });
    const visibility = input.visibility ?? 'private';
    const badVisibility = visibilityError(visibility, group, 'project');
    if (badVisibility) errors.push({ field: 'visibility', message: badVisibility });
    if (errors.length > 0) return invalidFields('invalid_attributes', errors);
    // Projects and subgroups share the group's namespace (and URLs), as in GitLab.
    if ((await findProjectInGroup(db, group.id, path)) || (await findGroupByFullPath(db, `${group.full_path}/${path}`))) return failure('project_path_taken');
    const now = nowIso(ctx);
    try {
      const project = await insertProject(db, {
        name,
        path,
        group_id: group.id,
        visibility,
        description: input.description ?? '',
        creator_id: caller.id,
        created_at: now,
        updated_at: now,
      });
      return ok({ project, group, level });
    } catch (error) {
      if (isUniqueViolation(error)) return failure('project_path_taken');
      throw error;
    }
  });
}

/** POST /projects: the record, then its bare repository (without which the record is removed again). */
export async function createProject(ctx: ServiceContext, caller: Caller, input: NewProjectInput): Promise<Result<NamedProject>> {
  const created = await createProjectRecord(ctx, caller, input);
  if (!created.ok) return created;
  await createProjectRepository(ctx, created.value);
  return ok((await named(ctx.database.db, [created.value]))[0]!);
}

/** GET /projects/:id/abilities: what the caller may do here, by the rules the API enforces (as getGroupAbilities). */
export async function getProjectAbilities(ctx: ServiceContext, caller: Caller | null, projectRef: string): Promise<Result<ProjectAbilities>> {
  const db = ctx.database.db;
  const resolved = await resolveProject(db, caller, projectRef);
  if (!resolved.ok) return resolved;
  const { group, level } = resolved.value;
  return ok(projectAbilities(caller, level, await tokenCreationAllowed(db, group)));
}

/** GET /projects/:id. */
export async function getProject(ctx: ServiceContext, caller: Caller | null, projectRef: string): Promise<Result<NamedProject>> {
  const resolved = await resolveProject(ctx.database.db, caller, projectRef);
  if (!resolved.ok) return resolved;
  return ok((await named(ctx.database.db, [resolved.value]))[0]!);
}

async function named(db: Db, projects: Pick<ResolvedProject, 'project' | 'group'>[]): Promise<NamedProject[]> {
  const names = await groupFullNames(db, projects.map((p) => p.group));
  return projects.map(({ project, group }) => ({ project, group, groupFullName: names.get(group.id) ?? group.name }));
}

/** Every project the actor can read (through membership of it or of a group above it, or visibility). */
async function visibleProjects(db: Db, actor: Actor | null): Promise<ResolvedProject[]> {
  const [projects, groups, levels] = await Promise.all([listAllProjects(db), listAllGroups(db), membershipLevels(db, actor?.id)]);
  const groupById = new Map(groups.map((g) => [g.id, g]));
  return projects
    .map((project) => {
      const group = groupById.get(project.group_id)!;
      const level = loadedProjectLevel(project, group, levels);
      return { project, group, level };
    })
    .filter(({ project, level }) => canRead(actor, project.visibility, level));
}

export interface ProjectListFilters {
  search?: string | undefined;
  /** Only projects the caller is a member of (directly or through a group). */
  membership?: boolean | undefined;
  visibility?: Visibility | undefined;
}

/** GET /projects: every project the caller can see (anonymous: public ones). */
export async function listProjects(ctx: ServiceContext, caller: Caller | null, filters: ProjectListFilters, page: Page): Promise<Listed<NamedProject>> {
  const db = ctx.database.db;
  const { search, membership, visibility } = filters;
  const projects = (await visibleProjects(db, caller))
    .filter((p) => !membership || p.level > 0)
    .filter((p) => !visibility || p.project.visibility === visibility)
    .filter((p) => !search || p.project.name.toLowerCase().includes(search.toLowerCase()));
  const { items, total } = pageOfList(projects, page);
  return { items: await named(db, items), total };
}

/** GET /groups/:id/projects: the group's projects the caller can see, with `includeSubgroups` those below it too. */
export async function listGroupProjects(
  ctx: ServiceContext,
  caller: Caller | null,
  groupRef: string,
  filters: { includeSubgroups?: boolean | undefined; search?: string | undefined },
  page: Page,
): Promise<Result<Listed<NamedProject>>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  const { group } = resolved.value;
  const { includeSubgroups, search } = filters;
  const projects = (await visibleProjects(db, caller))
    .filter((p) => (includeSubgroups ? traversalIds(p.group).includes(group.id) : p.group.id === group.id))
    .filter((p) => !search || p.project.name.toLowerCase().includes(search.toLowerCase()));
  const { items, total } = pageOfList(projects, page);
  return ok({ items: await named(db, items), total });
}
