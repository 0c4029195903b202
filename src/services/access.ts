import type { Db } from '../store/repositories/common.js';
import { traversalIds, findGroupMembershipsOfUser, findMember, findMembershipsOfUser } from '../store/repositories/groups.js';
import type { GroupRow, ProjectRow } from '../store/schema.js';

/** The highest role the user holds on the group through it or any group above it (0 if none). */
export async function groupAccessLevel(db: Db, userId: number | undefined, group: Pick<GroupRow, 'traversal'>): Promise<number> {
  if (userId === undefined) return 0;
  const memberships = await findGroupMembershipsOfUser(db, userId, traversalIds(group));
  return memberships.reduce((max, m) => Math.max(max, m.access_level), 0);
}

/** The highest role on a project: its own membership or any membership of the groups above it. */
export async function projectAccessLevel(
  db: Db,
  userId: number | undefined,
  project: Pick<ProjectRow, 'id'>,
  group: Pick<GroupRow, 'traversal'>,
): Promise<number> {
  if (userId === undefined) return 0;
  const [inherited, direct] = await Promise.all([groupAccessLevel(db, userId, group), findMember(db, 'project', project.id, userId)]);
  return Math.max(inherited, direct?.access_level ?? 0);
}

/** The same rule as groupAccessLevel, over memberships already loaded (for lists). */
export function inheritedLevel(group: Pick<GroupRow, 'traversal'>, levelByGroupId: ReadonlyMap<number, number>): number {
  return traversalIds(group).reduce((max, id) => Math.max(max, levelByGroupId.get(id) ?? 0), 0);
}

/** The same rule as projectAccessLevel, over memberships already loaded (for lists). */
export function loadedProjectLevel(
  project: Pick<ProjectRow, 'id'>,
  group: Pick<GroupRow, 'traversal'>,
  levels: { groups: ReadonlyMap<number, number>; projects: ReadonlyMap<number, number> },
): number {
  return Math.max(inheritedLevel(group, levels.groups), levels.projects.get(project.id) ?? 0);
}

/** A user's direct roles, by group id and by project id. */
export async function membershipLevels(db: Db, userId: number | undefined) {
  const groups = new Map<number, number>();
  const projects = new Map<number, number>();
  if (userId !== undefined) {
    for (const m of await findMembershipsOfUser(db, userId)) (m.source_type === 'group' ? groups : projects).set(m.source_id, m.access_level);
  }
  return { groups, projects };
}
