import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { deleteProject } from '../store/repositories/projects.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';
import type { ServiceContext } from './context.js';

/**
 * Bare repositories on disk: `<data dir>/repositories/<group full path>/<project path>.git`.
 * Every path is built from stored group and project paths (never from a request), checked segment
 * by segment and then checked to resolve inside the repositories root.
 */

const run = promisify(execFile);

/** A group or project path segment (GitLab's path rule: no leading '.' or '-', so never '.' or '..'). */
const SEGMENT = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$/;
const GIT_SUFFIX = '.git';

export class UnsafeRepositoryPathError extends Error {}

export const repositoriesRoot = (config: Pick<Config, 'dataDir'>): string => resolve(config.dataDir, 'repositories');

function safeSegments(path: string): string[] {
  const segments = path.split('/');
  if (!segments.every((s) => SEGMENT.test(s))) throw new UnsafeRepositoryPathError(`not a safe repository path: ${JSON.stringify(path)}`);
  return segments;
}

/** A project path is one segment. */
function safeSegment(path: string): string {
  if (!SEGMENT.test(path)) throw new UnsafeRepositoryPathError(`not a safe project path: ${JSON.stringify(path)}`);
  return path;
}

function insideRoot(root: string, segments: string[]): string {
  const full = resolve(root, ...segments);
  if (!full.startsWith(root + sep)) throw new UnsafeRepositoryPathError(`repository path outside the repositories root: ${full}`);
  return full;
}

/** `<group full path>/<project path>.git`, relative to the root: what git http-backend's PATH_INFO names. */
export function repositoryRelativePath(group: Pick<GroupRow, 'full_path'>, project: Pick<ProjectRow, 'path'>): string {
  return [...safeSegments(group.full_path), safeSegment(project.path)].join('/') + GIT_SUFFIX;
}

export function repositoryPath(config: Pick<Config, 'dataDir'>, group: Pick<GroupRow, 'full_path'>, project: Pick<ProjectRow, 'path'>): string {
  return insideRoot(repositoriesRoot(config), repositoryRelativePath(group, project).split('/'));
}

/** The directory holding the repositories of a group and of all its subgroups. */
export function groupRepositoriesPath(config: Pick<Config, 'dataDir'>, group: Pick<GroupRow, 'full_path'>): string {
  return insideRoot(repositoriesRoot(config), safeSegments(group.full_path));
}

export async function repositoryExists(path: string): Promise<boolean> {
  // Synchronous on purpose: one stat of a local file takes microseconds, while the thread-pool
  // round trip of the asynchronous one sat on every git request before git could start.
  return statSync(resolve(path, 'HEAD'), { throwIfNoEntry: false })?.isFile() ?? false;
}

/** `git init --bare` (idempotent: re-running it on an existing repository changes nothing of its history). */
export async function initBareRepository(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', path]);
}

/**
 * The repository of a project just created. If git cannot create it, the project is removed again
 * (the compensating step), so no project exists without its repository, and the error propagates.
 */
export async function createProjectRepository(ctx: ServiceContext, created: { group: GroupRow; project: ProjectRow }): Promise<string> {
  const path = repositoryPath(ctx.config, created.group, created.project);
  try {
    await initBareRepository(path);
  } catch (error) {
    await deleteProject(ctx.database.db, created.project.id);
    throw error;
  }
  return path;
}

/**
 * After a group is deleted: its repositories and those of its subgroups all live under the group's
 * own directory (a project's `<path>.git` never collides with a subgroup's `<path>`), so one removal
 * takes exactly them.
 */
export async function removeGroupRepositories(ctx: Pick<ServiceContext, 'config'>, group: Pick<GroupRow, 'full_path'>) {
  await rm(groupRepositoriesPath(ctx.config, group), { recursive: true, force: true });
}
