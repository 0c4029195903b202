import { randomBytes } from 'node:crypto';
import { AccessLevel } from '../../src/domain/access-levels.js';
import { actorOf } from '../../src/services/access.js';
import { nowIso } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createPersonalAccessToken } from '../../src/services/personal-access-tokens.js';
import { createProject } from '../../src/services/projects.js';
import { createUser } from '../../src/services/users.js';
import { findMember, insertMember, updateMember } from '../../src/store/repositories/members.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import type { Harness } from './harness.js';

const unique = () => randomBytes(4).toString('hex');

function must<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string; message?: string } }): T {
  if (!result.ok) throw new Error(`factory failed: ${result.error.kind} ${result.error.message ?? ''}`);
  return result.value;
}

export async function makeUser(h: Harness, options: { username?: string; admin?: boolean; external?: boolean; password?: string } = {}): Promise<UserRow> {
  const username = options.username ?? `user_${unique()}`;
  return must(
    await createUser(
      h.ctx.database.db,
      { username, email: `${username}@example.com`, name: `User ${username}`, admin: options.admin, external: options.external, password: options.password },
      nowIso(h.ctx),
    ),
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
    await createGroup(
      h.ctx.database.db,
      owner,
      actorOf(owner),
      { name: options.name ?? path, path, parentId: options.parent?.id, visibility: options.visibility ?? 'private' },
      nowIso(h.ctx),
    ),
  );
}

export async function makeProject(h: Harness, group: GroupRow, options: { path?: string; visibility?: ProjectRow['visibility'] } = {}): Promise<ProjectRow> {
  const path = options.path ?? `project-${unique()}`;
  return must(await createProject(h.ctx.database.db, actorOf(h.root), { name: path, path, namespaceId: String(group.id), visibility: options.visibility }, nowIso(h.ctx)))
    .project;
}

/** Sets the user's direct role on a group or project (adding the membership if needed). */
export async function setRole(h: Harness, source: { group?: GroupRow; project?: ProjectRow }, user: UserRow, level: number): Promise<void> {
  const db = h.ctx.database.db;
  const [type, id] = source.group ? (['group', source.group.id] as const) : (['project', source.project!.id] as const);
  const now = nowIso(h.ctx);
  const existing = await findMember(db, type, id, user.id);
  if (existing) await updateMember(db, existing.id, { access_level: level, updated_at: now });
  else await insertMember(db, { user_id: user.id, source_type: type, source_id: id, access_level: level, expires_at: null, created_by_id: null, created_at: now, updated_at: now });
}

export async function makePat(h: Harness, user: UserRow, options: { scopes?: string[]; expiresAt?: string | null; name?: string } = {}): Promise<{ token: string; id: number }> {
  const issued = must(
    await createPersonalAccessToken(h.ctx, { userId: user.id, name: options.name ?? 'test token', scopes: options.scopes ?? ['api'], expiresAt: options.expiresAt ?? undefined }),
  );
  return { token: issued.token, id: issued.row.id };
}

export { AccessLevel };
