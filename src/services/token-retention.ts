import { REMOVAL_REASON, retentionCutoff } from '../domain/retention.js';
import { insertAuditEvent } from '../store/repositories/audit-events.js';
import { transaction } from '../store/database.js';
import type { Db } from '../store/repositories/common.js';
import { findMembershipsOfUser } from '../store/repositories/groups.js';
import { reassignIssuesAuthor } from '../store/repositories/projects.js';
import { findRemovableBots, isRemovableBot, reassignProjectsCreator, tokenIdsOf } from '../store/repositories/lifecycle.js';
import { deleteUser, findGhostUser } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
import { botResourceEntity } from './audit.js';
import { nowIso, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

export interface RetentionReport {
  /** Null when the setting is blank: inactive tokens are kept forever. */
  retentionDays: number | null;
  removedBots: number;
  removedTokens: number;
}

export interface RetentionOptions {
  batchSize?: number;
}

/** Audit events of scheduled jobs name the job as their author, there being no user behind them. */
const RETENTION_AUTHOR = 'Tollgate inactive-token-retention';

/**
 * The `inactive-token-retention` job (daily at 00:00 UTC): removes the bot users whose tokens all
 * became inactive more than N days ago, with their tokens and memberships; what they authored moves
 * to the ghost user. One transaction per bot, each re-checking the rule, so a crash or a second run
 * only finishes what is left.
 */
export async function runTokenRetention(ctx: ServiceContext, options: RetentionOptions = {}): Promise<RetentionReport> {
  const db = ctx.database.db;
  const days = (await getSettings(db)).inactive_resource_access_tokens_delete_after_days;
  const report: RetentionReport = { retentionDays: days, removedBots: 0, removedTokens: 0 };
  const cutoff = retentionCutoff(ctx.clock.now(), days);
  if (!cutoff) return report;
  const ghost = await findGhostUser(db);
  if (!ghost) throw new Error('the ghost user is missing: start `tollgate serve` once to bootstrap the instance');
  let afterId = 0;
  for (;;) {
    const bots = await findRemovableBots(db, cutoff, afterId, options.batchSize ?? 1000);
    if (bots.length === 0) return report;
    afterId = bots[bots.length - 1]!.id;
    for (const bot of bots) {
      const removedTokens = await transaction(ctx.database, async (trx) => {
        if (!(await isRemovableBot(trx, cutoff, bot.id))) return null;
        const tokenIds = await tokenIdsOf(trx, bot.id);
        const memberships = await findMembershipsOfUser(trx, bot.id);
        await reassignIssuesAuthor(trx, bot.id, ghost.id);
        await reassignProjectsCreator(trx, bot.id, ghost.id);
        // Tokens and memberships go with the user (foreign keys cascade).
        await deleteUser(trx, bot.id);
        await recordRemoval(ctx, trx, bot, tokenIds, memberships.map((m) => `${m.source_type}:${m.source_id}`), days!);
        return tokenIds.length;
      });
      if (removedTokens === null) continue;
      report.removedBots += 1;
      report.removedTokens += removedTokens;
    }
  }
}

async function recordRemoval(ctx: ServiceContext, db: Db, bot: UserRow, tokenIds: number[], memberships: string[], days: number) {
  const resource = await botResourceEntity(db, bot);
  await insertAuditEvent(db, {
    author_id: null,
    author_name: RETENTION_AUTHOR,
    entity_type: resource?.type ?? 'Instance',
    entity_id: resource?.id ?? 0,
    entity_path: resource?.path ?? '',
    event_name: 'user_destroyed',
    target_type: 'User',
    target_id: bot.id,
    target_details: bot.username,
    ip_address: null,
    details: { reason: REMOVAL_REASON, retention_days: days, token_ids: tokenIds, memberships, contributions_moved_to: 'ghost' },
    created_at: nowIso(ctx),
  });
}
