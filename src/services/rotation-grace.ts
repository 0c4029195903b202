import { transaction } from '../store/database.js';
import { insertAuditEvent } from '../store/repositories/audit-events.js';
import type { Db } from '../store/repositories/common.js';
import { revokeTokensPastRotationGrace } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import type { UserRow } from '../store/schema.js';
import { botResourceEntity, userEntity, type AuditEntity } from './audit.js';
import { nowIso, type ServiceContext } from './context.js';

/**
 * The end of rotation overlap windows (Tollgate's own, issue 13; domain/rotation-grace.ts).
 * Authentication and the lists already treat a token whose window ended as revoked, against the
 * clock; this job writes it down, so that the row says so too (retention, exports, SQL readers),
 * and records the window's end.
 */

const GRACE_JOB_AUTHOR = 'Tollgate rotation-grace';
/** Tokens revoked per transaction: a backlog is worked through in short transactions. */
const BATCH = 500;

/** The log a token's events go to: its group's or project's for a bot, its user's otherwise. */
export async function tokenOwnerEntity(db: Db, user: UserRow): Promise<AuditEntity> {
  return (await botResourceEntity(db, user)) ?? userEntity(user);
}

/** What a rotation's audit event adds when it left the old token a window. */
export const rotationGraceDetails = (graceSeconds: number, graceEndsAt: string | null): Record<string, unknown> =>
  graceEndsAt === null ? {} : { grace_period_seconds: graceSeconds, rotation_grace_ends_at: graceEndsAt };

export interface RotationGraceReport {
  revoked: number;
}

/** The `rotation-grace` job: revokes the tokens whose window has ended, each with a `token_rotation_grace_ended` event. */
export async function endRotationGraces(ctx: ServiceContext): Promise<RotationGraceReport> {
  let revoked = 0;
  for (;;) {
    const now = nowIso(ctx);
    const ended = await transaction(ctx.database, async (trx) => {
      const tokens = await revokeTokensPastRotationGrace(trx, now, BATCH);
      for (const token of tokens) {
        const user = await findUserById(trx, token.userId);
        const entity = user ? await tokenOwnerEntity(trx, user) : null;
        await insertAuditEvent(trx, {
          author_id: null,
          author_name: GRACE_JOB_AUTHOR,
          entity_type: entity?.type ?? 'Instance',
          entity_id: entity?.id ?? 0,
          entity_path: entity?.path ?? '',
          event_name: 'token_rotation_grace_ended',
          target_type: 'PersonalAccessToken',
          target_id: token.id,
          target_details: token.name,
          ip_address: null,
          details: { custom_message: `Revoked token with id ${token.id}: its rotation overlap window ended`, token_id: token.id, rotation_grace_ended_at: token.graceEndedAt },
          created_at: now,
        });
      }
      return tokens.length;
    });
    revoked += ended;
    if (ended < BATCH) return { revoked };
  }
}
