import { randomBytes } from 'node:crypto';
import { AccessLevel } from '../../src/domain/access-levels.js';
import { nowIso } from '../../src/services/context.js';
import { updateSettings } from '../../src/services/settings.js';
import { issueToken } from '../../src/services/token-issuance.js';
import { findGroupById, rootGroupId } from '../../src/store/repositories/groups.js';
import type { GroupRow, ProjectRow, TokenRow, UserRow } from '../../src/store/schema.js';
import { makeBot } from './factories.js';
import type { Harness } from './harness.js';

export interface GroupToken {
  bot: UserRow;
  token: TokenRow;
  plaintext: string;
}

/**
 * A group (or project) access token as the create service makes one (§1.3, §10): a `project_bot`
 * user named `group_<id>_bot_<hex>` whose bot namespace is the group (`project_<id>_bot_<hex>` with
 * the project as its bot project, decision 0004), a direct membership, and the token. Built from
 * the shared issuance so the lifecycle tests do not depend on the API.
 */
export async function makeGroupToken(
  h: Harness,
  resource: GroupRow | ProjectRow,
  options: { expiresAt: string | null; name?: string; accessLevel?: number; scopes?: string[] },
): Promise<GroupToken> {
  const db = h.ctx.database.db;
  const now = nowIso(h.ctx);
  const name = options.name ?? `token-${randomBytes(3).toString('hex')}`;
  const bot = await makeBot(h, resource, options.accessLevel ?? AccessLevel.MAINTAINER, name);
  const group = 'group_id' in resource ? (await findGroupById(db, resource.group_id))! : resource;
  const issued = await issueToken(
    h.ctx,
    db,
    bot,
    { name, description: null, scopes: options.scopes ?? ['api'], expiresAt: options.expiresAt, groupId: rootGroupId(group), previousId: null, prefix: 'glpat-' },
    now,
  );
  return { bot, token: issued.row, plaintext: issued.token };
}

/** Instance settings for a test, failing loudly on a typo. */
export async function setSettings(h: Harness, changes: Record<string, unknown>): Promise<void> {
  const result = await updateSettings(h.ctx, changes);
  if (!result.ok) throw new Error(`settings: ${result.error.message}`);
}

/** The group's cascading notify setting, as Settings > General would store it. */
export async function setNotifyInherited(h: Harness, group: GroupRow, value: boolean | null, locked = false): Promise<void> {
  await h.ctx.database.db
    .updateTable('groups')
    .set({ resource_access_token_notify_inherited: value === null ? null : value ? 1 : 0, lock_resource_access_token_notify_inherited: locked ? 1 : 0 })
    .where('id', '=', group.id)
    .execute();
}
