import { expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { AccessLevel } from '../../src/domain/access-levels.js';
import { botEmail, botUsername } from '../../src/domain/bot-users.js';
import { consoleCallerAs } from '../../src/services/caller.js';
import { nowIso } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createPersonalAccessToken } from '../../src/services/personal-access-tokens.js';
import { createProjectRecord } from '../../src/services/projects.js';
import { createUser } from '../../src/services/users.js';
import { findMember, insertMember, updateMember } from '../../src/store/repositories/groups.js';
import { updateTokenUsage } from '../../src/store/repositories/tokens.js';
import { insertUser } from '../../src/store/repositories/users.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { client, type Harness } from './harness.js';

const unique = () => randomBytes(4).toString('hex');

function must<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string; message?: string } }): T {
  if (!result.ok) throw new Error(`factory failed: ${result.error.kind} ${result.error.message ?? ''}`);
  return result.value;
}

export async function makeUser(h: Harness, options: { username?: string; admin?: boolean; external?: boolean; password?: string } = {}): Promise<UserRow> {
  const username = options.username ?? `user_${unique()}`;
  return must(
    await createUser(h.ctx, { username, email: `${username}@example.com`, name: `User ${username}`, admin: options.admin, external: options.external, password: options.password }),
  );
}

/** A group created by `owner` (who becomes its Owner, as in GitLab). */
export async function makeGroup(
  h: Harness,
  owner: UserRow,
  options: { path?: string; name?: string; parent?: GroupRow; visibility?: GroupRow['visibility'] } = {},
): Promise<GroupRow> {
  const path = options.path ?? `group-${unique()}`;
  return must(
    await createGroup(h.ctx, consoleCallerAs(owner), { name: options.name ?? path, path, parentId: options.parent?.id, visibility: options.visibility ?? 'private' }),
  ).group;
}

export async function makeProject(h: Harness, group: GroupRow, options: { path?: string; visibility?: ProjectRow['visibility'] } = {}): Promise<ProjectRow> {
  const path = options.path ?? `project-${unique()}`;
  return must(await createProjectRecord(h.ctx, consoleCallerAs(h.root), { name: path, path, namespaceId: String(group.id), visibility: options.visibility })).project;
}

/** Sets the user's direct role on a group or project (adding the membership if needed). */
export async function setRole(h: Harness, source: { group?: GroupRow; project?: ProjectRow }, user: UserRow, level: number): Promise<void> {
  const db = h.ctx.database.db;
  const [type, id] = source.group ? (['group', source.group.id] as const) : (['project', source.project!.id] as const);
  const now = nowIso(h.ctx);
  const existing = await findMember(db, type, id, user.id);
  if (existing) await updateMember(db, existing.id, { access_level: level, updated_at: now });
  else await insertMember(db, { user_id: user.id, source_type: type, source_id: id, access_level: level, expires_at: null, created_by_id: null, created_at: now, updated_at: now }, user.user_type);
}

export async function makePat(
  h: Harness,
  user: UserRow,
  options: { scopes?: string[]; expiresAt?: string | null; name?: string; lastUsedAt?: string; allowedCidrs?: string[] } = {},
): Promise<{ token: string; id: number }> {
  const issued = must(
    await createPersonalAccessToken(h.ctx, {
      userId: user.id,
      name: options.name ?? 'test token',
      scopes: options.scopes ?? ['api'],
      expiresAt: options.expiresAt ?? undefined,
      allowedCidrs: options.allowedCidrs,
    }),
  );
  if (options.lastUsedAt) await updateTokenUsage(h.ctx.database.db, issued.row.id, options.lastUsedAt, []);
  return { token: issued.token, id: issued.row.id };
}

/** A new user with an `api` token, and a client that calls as them. */
export async function signedIn(h: Harness, options: Parameters<typeof makeUser>[1] = {}) {
  const user = await makeUser(h, options);
  const { token } = await makePat(h, user);
  return { user, token, api: client(h, token) };
}

/**
 * A bot user of a group or a project (as a group or project access token creates one, decision
 * 0004), a direct member of it at `level`.
 */
export async function makeBot(h: Harness, resource: GroupRow | ProjectRow, level: number = AccessLevel.MAINTAINER, name = 'Bot'): Promise<UserRow> {
  const project = 'group_id' in resource ? resource : null;
  const username = botUsername(resource.id, randomBytes(16).toString('hex'), 0, project ? 'project' : 'group');
  const now = nowIso(h.ctx);
  const bot = await insertUser(h.ctx.database.db, {
    username,
    email: botEmail(username, 'tollgate.test'),
    name,
    state: 'active',
    is_admin: 0,
    external: 0,
    user_type: 'project_bot',
    bot_namespace_id: project ? null : resource.id,
    bot_project_id: project ? resource.id : null,
    password_digest: null,
    created_at: now,
    updated_at: now,
  });
  await setRole(h, project ? { project } : { group: resource as GroupRow }, bot, level);
  return bot;
}

const SNAPSHOT_TABLES = ['users', 'groups', 'projects', 'members', 'personal_access_tokens', 'settings', 'audit_events', 'issues'] as const;

/**
 * Every row of the platform's tables, to show that a refused request wrote nothing. Token usage
 * columns are left out: they are written after responses, throttled, by design.
 */
export async function snapshot(h: Harness): Promise<Record<string, unknown[]>> {
  const db = h.ctx.database.db;
  const result: Record<string, unknown[]> = {};
  for (const table of SNAPSHOT_TABLES) {
    const rows = (await db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    result[table] = rows
      .map(({ last_used_at: _at, last_used_ips: _ips, ...row }) => row)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return result;
}

export { AccessLevel };

/** How many bot users exist: a refused token creation must leave none behind. */
export async function botCount(h: Harness): Promise<number> {
  const row = await h.ctx.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('user_type', '=', 'project_bot').executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Runs `request` and shows that it wrote nothing: no stray bot user, membership, token or audit event. */
export async function expectNothingWritten<T>(h: Harness, request: () => Promise<T>): Promise<T> {
  const [before, bots] = [await snapshot(h), await botCount(h)];
  const result = await request();
  expect(await botCount(h)).toBe(bots);
  expect(await snapshot(h)).toEqual(before);
  return result;
}
