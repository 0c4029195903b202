import { failure } from '../domain/errors.js';
import { canReadAuditEvents } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { isRecordId, type Db } from '../store/repositories/common.js';
import { findAuditEventById, insertAuditEvent, listAuditEvents, type AuditEventFilters } from '../store/repositories/audit-events.js';
import { findGroupById } from '../store/repositories/groups.js';
import { findProjectById, findProjectsInGroups } from '../store/repositories/projects.js';
import type { AuditEventRow, GroupRow, ProjectRow, UserRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import type { ServiceContext } from './context.js';
import { resolveGroup } from './groups.js';
import type { Listed, Page } from './lists.js';
import { resolveProject } from './projects.js';

export type { AuditEventFilters };

export const CONSOLE_ORIGIN_NAME = 'Tollgate console';

/** What an event is about: a group, a project or a user (GitLab's `entity_type`, `entity_id`, `entity_path`). */
export interface AuditEntity {
  type: 'Group' | 'Project' | 'User';
  id: number;
  path: string;
}

export const groupEntity = (group: GroupRow): AuditEntity => ({ type: 'Group', id: group.id, path: group.full_path });
export const projectEntity = (project: ProjectRow, group: GroupRow): AuditEntity => ({ type: 'Project', id: project.id, path: `${group.full_path}/${project.path}` });
/** A user's events (their personal access tokens): GitLab's scope is the user, its path the username. */
export const userEntity = (user: Pick<UserRow, 'id' | 'username'>): AuditEntity => ({ type: 'User', id: user.id, path: user.username });

/**
 * The group or project whose token a bot holds (decision 0004), for events about the bot (reuse
 * detection, retention); undefined for other users, or when the resource is gone.
 */
export async function botResourceEntity(db: Db, bot: Pick<UserRow, 'bot_namespace_id' | 'bot_project_id'>): Promise<AuditEntity | undefined> {
  if (bot.bot_namespace_id !== null) {
    const group = await findGroupById(db, bot.bot_namespace_id);
    return group && groupEntity(group);
  }
  if (bot.bot_project_id === null) return undefined;
  const project = await findProjectById(db, bot.bot_project_id);
  const group = project && (await findGroupById(db, project.group_id));
  return project && group ? projectEntity(project, group) : undefined;
}

export interface AuditEventInput {
  name: string;
  targetType?: string;
  targetId?: number;
  targetDetails?: string;
  details?: Record<string, unknown>;
}

/**
 * Written inside the caller's transaction, so an event exists exactly when its change does. The
 * author is who asked, from where; the console is recorded as the console, not as root.
 */
export function recordEvent(db: Db, caller: Caller, entity: AuditEntity, event: AuditEventInput, now: string) {
  const author = caller.via === 'console' ? null : caller.user;
  return insertAuditEvent(db, {
    author_id: author?.id ?? null,
    author_name: author?.username ?? CONSOLE_ORIGIN_NAME,
    entity_type: entity.type,
    entity_id: entity.id,
    entity_path: entity.path,
    event_name: event.name,
    target_type: event.targetType ?? null,
    target_id: event.targetId ?? null,
    target_details: event.targetDetails ?? null,
    ip_address: caller.ip,
    details: event.details ?? {},
    created_at: now,
  });
}

/**
 * GET /groups/:id/audit_events: the group's Owners and administrators (GitLab: read_group_audit_events).
 * The events of the group's own projects are listed with its own (issue 10: a project token's
 * events appear in the project's log and its group's).
 */
export async function listGroupAuditEvents(
  ctx: ServiceContext,
  caller: Caller,
  groupRef: string,
  filters: AuditEventFilters,
  page: Page,
): Promise<Result<Listed<AuditEventRow>>> {
  const db = ctx.database.db;
  const resolved = await resolveGroup(db, caller, groupRef);
  if (!resolved.ok) return resolved;
  if (!canReadAuditEvents('group', caller, resolved.value.level)) return failure('forbidden');
  const { group } = resolved.value;
  const projectIds = (await findProjectsInGroups(db, [group.id])).map((p) => p.id);
  const { rows, total } = await listAuditEvents(db, { type: 'Group', id: group.id, also: { type: 'Project', ids: projectIds } }, page, filters);
  return ok({ items: rows, total });
}

/** GET /projects/:id/audit_events: the project's Maintainers, Owners and administrators (GitLab: read_project_audit_events). */
export async function listProjectAuditEvents(
  ctx: ServiceContext,
  caller: Caller,
  projectRef: string,
  filters: AuditEventFilters,
  page: Page,
): Promise<Result<Listed<AuditEventRow>>> {
  const db = ctx.database.db;
  const resolved = await resolveProject(db, caller, projectRef);
  if (!resolved.ok) return resolved;
  if (!canReadAuditEvents('project', caller, resolved.value.level)) return failure('forbidden');
  const { rows, total } = await listAuditEvents(db, { type: 'Project', id: resolved.value.project.id }, page, filters);
  return ok({ items: rows, total });
}

/**
 * GET /audit_events: every event of the instance (groups', projects', users'), administrators only
 * (GitLab's ee/lib/api/audit_events.rb: authenticated_as_admin!).
 */
export async function listInstanceAuditEvents(ctx: ServiceContext, caller: Caller, filters: AuditEventFilters, page: Page): Promise<Result<Listed<AuditEventRow>>> {
  if (!caller.isAdmin) return failure('forbidden');
  // An id no record can have matches nothing (and never reaches the database's integer column).
  if (filters.entityId !== undefined && !isRecordId(filters.entityId)) return ok({ items: [], total: 0 });
  const { rows, total } = await listAuditEvents(ctx.database.db, 'instance', page, filters);
  return ok({ items: rows, total });
}

/** GET /audit_events/:id: any event of the instance, administrators only. */
export async function getInstanceAuditEvent(ctx: ServiceContext, caller: Caller, id: number): Promise<Result<AuditEventRow>> {
  if (!caller.isAdmin) return failure('forbidden');
  const event = isRecordId(id) ? await findAuditEventById(ctx.database.db, id) : undefined;
  return event ? ok(event) : failure('audit_event_not_found');
}
