import { generateToken, tokenDigest } from '../domain/token-format.js';
import { failure } from '../domain/errors.js';
import { ok, type Result } from '../domain/result.js';
import type { Db } from '../store/repositories/common.js';
import { graceEndsAt, rotationStanding } from '../domain/rotation-grace.js';
import { findTokenByDigest, findTokenById, insertToken, retireRotatedToken } from '../store/repositories/tokens.js';
import type { NewTokenRow, TokenRow, UserRow } from '../store/schema.js';
import { expiresAtForCreate, expiresAtForRotate } from '../domain/token-lifetime.js';
import { todayUtc, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/** The token row and its plaintext: the only moment the plaintext exists (shown once, never stored). */
export interface IssuedToken {
  row: TokenRow;
  token: string;
}

const ORGANIZATION_ID = 1;

/** A new token value for `userId` (GitLab's routable format, organization 1); shown once, never stored. */
export const newTokenValue = (prefix: string, userId: number): string => generateToken(prefix, { organizationId: ORGANIZATION_ID, userId });

export interface TokenAttributes {
  name: string;
  description: string | null;
  scopes: string[];
  expiresAt: string | null;
  /** Root group of a group bot's token. */
  groupId: number | null;
  previousId: number | null;
  /** Tollgate's own (issue 13): the networks the token works from, already parsed; none: anywhere. */
  allowedCidrs?: string[];
  /** The instance's token prefix: the use case reads the settings once, with the lifetime rules. */
  prefix: string;
}

/** What the instance decides about a new token: its expiry and its prefix. */
export interface IssuanceTerms {
  expiresAt: string | null;
  prefix: string;
}

/**
 * The new token's expiry (T2 on create, T4 on rotation, within T3's maximum) and the instance's
 * token prefix, from one read of the settings.
 */
export async function issuanceTerms(ctx: ServiceContext, db: Db, use: 'create' | 'rotate', given: string | null | undefined): Promise<Result<IssuanceTerms>> {
  const settings = await getSettings(db);
  const expiresAt = (use === 'create' ? expiresAtForCreate : expiresAtForRotate)(given, settings, todayUtc(ctx));
  return expiresAt.ok ? ok({ expiresAt: expiresAt.value, prefix: settings.personal_access_token_prefix }) : expiresAt;
}

export async function issueToken(ctx: ServiceContext, db: Db, user: UserRow, attributes: TokenAttributes, now: string): Promise<IssuedToken> {
  // A digest collision among 128 random bits is beyond unlikely; GitLab still loops, and so do we.
  for (;;) {
    const token = newTokenValue(attributes.prefix, user.id);
    const digest = tokenDigest(ctx.secret, token);
    if (await findTokenByDigest(db, digest)) continue;
    return { row: await insertToken(db, newTokenRow(user.id, attributes, digest, now)), token };
  }
}

/** The row of a new, active, never used token: what issuing writes (and the bulk seeders of tests and the bench). */
export function newTokenRow(userId: number, attributes: Omit<TokenAttributes, 'prefix'>, digest: string, now: string): NewTokenRow {
  return {
    user_id: userId,
    name: attributes.name,
    description: attributes.description,
    scopes: JSON.stringify(attributes.scopes),
    token_digest: digest,
    expires_at: attributes.expiresAt,
    revoked: 0,
    revoked_at: null,
    last_used_at: null,
    last_used_ips: '[]',
    impersonation: 0,
    previous_personal_access_token_id: attributes.previousId,
    group_id: attributes.groupId,
    created_at: now,
    updated_at: now,
    sixty_days_notification_sent_at: null,
    thirty_days_notification_sent_at: null,
    seven_days_notification_sent_at: null,
    after_expiry_notification_sent_at: null,
    allowed_cidrs: JSON.stringify(attributes.allowedCidrs ?? []),
    rotation_grace_ends_at: null,
  };
}

/** A rotation's successor, and when the old token's overlap window ends (null: it was revoked at once). */
export interface RotatedToken extends IssuedToken {
  graceEndsAt: string | null;
}

/** Why a token cannot be rotated now, or null: revoked (by hand, or its window ended), or already rotated with a window still open. */
function rotationRefusal(ctx: ServiceContext, token: TokenRow) {
  const standing = rotationStanding({ revoked: token.revoked === 1, rotationGraceEndsAt: token.rotation_grace_ends_at }, ctx.clock.now());
  if (standing === 'active') return null;
  return failure(standing === 'in_grace' ? 'token_already_rotated' : 'token_already_revoked');
}

/**
 * Rotation (§4.2), inside the caller's transaction: revoke the old token and issue its successor
 * for the same user with the same name, description, scopes and allowlist. The conditional revoke
 * makes one of many concurrent rotations win; the others see "Token already revoked" (or "Token
 * already rotated" when the winner left the old token an overlap window).
 *
 * `graceSeconds` (Tollgate's own, issue 13): the old token keeps working that long, a fixed window
 * from now, and is revoked when it ends (services/rotation-grace.ts); 0 is GitLab's rotation.
 */
export async function rotateToken(
  ctx: ServiceContext,
  db: Db,
  old: TokenRow,
  user: UserRow,
  { expiresAt, prefix }: IssuanceTerms,
  now: string,
  graceSeconds = 0,
): Promise<Result<RotatedToken>> {
  const refused = rotationRefusal(ctx, old);
  if (refused) return refused;
  const endsAt = graceEndsAt(new Date(now), graceSeconds);
  if (!(await retireRotatedToken(db, old.id, now, endsAt))) {
    const current = await findTokenById(db, old.id);
    return (current && rotationRefusal(ctx, current)) ?? failure('token_already_revoked');
  }
  const issued = await issueToken(
    ctx,
    db,
    user,
    {
      name: old.name,
      description: old.description,
      scopes: JSON.parse(old.scopes) as string[],
      expiresAt,
      groupId: old.group_id,
      previousId: old.id,
      allowedCidrs: JSON.parse(old.allowed_cidrs) as string[],
      prefix,
    },
    now,
  );
  return ok({ ...issued, graceEndsAt: endsAt });
}
