import type { TokenRow } from '../schema.js';
import type { Db } from './common.js';

/** A bot of a group: a `project_bot` user that is a direct member of it, with its role there. */
export interface GroupBot {
  userId: number;
  accessLevel: number;
}

/**
 * The bots of a group are the bot users among its direct members (GITLAB-BEHAVIOR §9 #13): a
 * subgroup does not list its parent's tokens, nor a parent its subgroups'.
 */
export const findGroupBots = (db: Db, groupId: number): Promise<GroupBot[]> =>
  db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .select(['members.user_id as userId', 'members.access_level as accessLevel'])
    .where('members.source_type', '=', 'group')
    .where('members.source_id', '=', groupId)
    .where('users.user_type', '=', 'project_bot')
    .orderBy('members.user_id')
    .execute();

export interface GroupBotToken {
  token: TokenRow;
  /** The bot's role in the group: the token's `access_level`. */
  accessLevel: number;
}

/** One token of one of the group's bots; a token of another group's bot is not found here. */
export async function findGroupBotToken(db: Db, groupId: number, tokenId: number): Promise<GroupBotToken | undefined> {
  const row = await db
    .selectFrom('personal_access_tokens as t')
    .innerJoin('members as m', (join) => join.onRef('m.user_id', '=', 't.user_id').on('m.source_type', '=', 'group').on('m.source_id', '=', groupId))
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select('m.access_level as bot_access_level')
    .where('t.id', '=', tokenId)
    .where('t.impersonation', '=', 0)
    .where('u.user_type', '=', 'project_bot')
    .executeTakeFirst();
  if (!row) return undefined;
  const { bot_access_level, ...token } = row;
  return { token, accessLevel: bot_access_level };
}

/** Rotation renews the bot's membership for good (GitLab sets the member's expires_at to nil). */
export const clearMembershipExpiry = (db: Db, userId: number, now: string) =>
  db.updateTable('members').set({ expires_at: null, updated_at: now }).where('user_id', '=', userId).where('expires_at', 'is not', null).execute();
