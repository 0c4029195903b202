import type { RetentionCutoff } from '../../domain/retention.js';
import type { UserRow } from '../schema.js';
import type { Db } from './common.js';

function botsWithoutRecentTokens(db: Db, cutoff: RetentionCutoff) {
  return db
    .selectFrom('users')
    .where('user_type', '=', 'project_bot')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('personal_access_tokens as t')
            .select('t.id')
            .whereRef('t.user_id', '=', 'users.id')
            .where((eb) =>
              eb.or([
                // Active, or expired on or after the cut-off.
                eb.and([eb('t.revoked', '=', 0), eb.or([eb('t.expires_at', 'is', null), eb('t.expires_at', '>=', cutoff.expiredBefore)])]),
                // Revoked on or after the cut-off (rows from before revoked_at existed: updated_at, as GitLab).
                eb.and([eb('t.revoked', '=', 1), eb(eb.fn.coalesce('t.revoked_at', 't.updated_at'), '>=', cutoff.revokedBefore)]),
              ]),
            ),
        ),
      ),
    );
}

/**
 * GITLAB-BEHAVIOR §4.5: bot users none of whose tokens is active, or became inactive on or after
 * the cut-off; a bot without any token qualifies too. Walked by id in batches.
 */
export const findRemovableBots = (db: Db, cutoff: RetentionCutoff, afterId: number, limit: number): Promise<UserRow[]> =>
  botsWithoutRecentTokens(db, cutoff).selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();

/** The same rule for one bot, re-checked inside the removal's transaction (a token may have been issued since). */
export async function isRemovableBot(db: Db, cutoff: RetentionCutoff, botId: number): Promise<boolean> {
  return (await botsWithoutRecentTokens(db, cutoff).select('id').where('id', '=', botId).executeTakeFirst()) !== undefined;
}

export async function tokenIdsOf(db: Db, userId: number): Promise<number[]> {
  return (await db.selectFrom('personal_access_tokens').select('id').where('user_id', '=', userId).orderBy('id').execute()).map((r) => r.id);
}

/** Projects a removed user created stay, credited to the ghost user like their issues. */
export const reassignProjectsCreator = (db: Db, fromUserId: number, toUserId: number) =>
  db.updateTable('projects').set({ creator_id: toUserId }).where('creator_id', '=', fromUserId).execute();
