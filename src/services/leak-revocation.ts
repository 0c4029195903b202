import { externalHost } from '../config.js';
import type { ResourceKind } from '../domain/bot-users.js';
import { NOTICE_AUDIENCE_LEVEL } from '../domain/expiry-notices.js';
import { isExpired } from '../domain/expiry.js';
import { isWellFormedToken, tokenDigest } from '../domain/token-format.js';
import { enqueueMail } from '../mail/outbox.js';
import { accessTokensSettingsUrl, personalAccessTokensSettingsUrl, renderLeakRevocationNotice } from '../mail/templates.js';
import { transaction } from '../store/database.js';
import { insertAuditEvent } from '../store/repositories/audit-events.js';
import type { Db } from '../store/repositories/common.js';
import { findMembersOfSources } from '../store/repositories/groups.js';
import {
  deleteRevokeCall,
  deleteRevokeCallsUpTo,
  findLeakReports,
  insertLeakReports,
  insertRevokeCall,
  revokeCallsAfter,
  takeLeakReport,
  type LeakReportRow,
} from '../store/repositories/leak-reports.js';
import { findNotifiableUsers } from '../store/repositories/lifecycle.js';
import { findTokenByDigest, revokeTokenIfActive } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import type { TokenRow, UserRow } from '../store/schema.js';
import { botResourceEntity, type AuditEntity } from './audit.js';
import { nowIso, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';

/**
 * Public leak revocation (issue 13; Tollgate's own, after GitHub's POST /credentials/revoke):
 * anyone who finds a token in a paste or a repository reports it, unauthenticated. The answer must
 * not tell whether a value was a live token, so the request only queues digests (no lookup, the
 * same work for any well-formed value) and the `leak-revocation` job, every second, revokes what
 * is still active through the ordinary revocation (revokeTokenIfActive: the auth caches forget it
 * through migration 0008's triggers), records `token_revoked_leak_report` and emails the people
 * responsible. Job only, no drain after the answer: the request path stays identical whatever the
 * values were, and one job on one instance at a time (src/jobs/lock.ts) acts on each report once.
 */

/** GitHub's limit per request. */
export const MAX_REPORTED_CREDENTIALS = 1000;
/** The author of the audit events: nobody signed in made the report. */
export const LEAK_REPORT_AUTHOR = 'Public leak report';
const LIMIT_WINDOW_MS = 60 * 60 * 1000;
const JOB_BATCH = 500;

export type RevokeCallAdmission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one call of the IP towards its hourly limit (every instance shares the count: it is in
 * the database). The call is counted first and the count read after, so concurrent calls can only
 * be refused too early, never let through beyond the limit; a refused call is not counted.
 * Refused: the seconds until the oldest counted call leaves the hour (Retry-After).
 */
export async function countRevokeCall(ctx: ServiceContext, ip: string): Promise<RevokeCallAdmission> {
  const { credentials_revoke_limit_per_hour: limit } = await getSettings(ctx.database.db);
  const now = ctx.clock.now();
  const cutoff = new Date(now.getTime() - LIMIT_WINDOW_MS).toISOString();
  return transaction(ctx.database, async (trx): Promise<RevokeCallAdmission> => {
    await deleteRevokeCallsUpTo(trx, cutoff);
    const id = await insertRevokeCall(trx, ip, now.toISOString());
    const { count, oldest } = await revokeCallsAfter(trx, ip, cutoff);
    if (count <= limit) return { allowed: true };
    await deleteRevokeCall(trx, id);
    const leavesAt = Date.parse(oldest ?? now.toISOString()) + LIMIT_WINDOW_MS;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((leavesAt - now.getTime()) / 1000)) };
  });
}

/**
 * Queues the reported values' digests for the job. Malformed values cannot be tokens and are
 * dropped; no value is stored, logged or looked up.
 */
export async function reportLeakedCredentials(ctx: ServiceContext, values: readonly string[], reporterIp: string | null): Promise<void> {
  const digests = new Set(values.filter(isWellFormedToken).map((value) => tokenDigest(ctx.secret, value)));
  await insertLeakReports(ctx.database.db, [...digests], reporterIp, nowIso(ctx));
}

export interface LeakRevocationReport {
  /** Active tokens revoked. */
  revoked: number;
  /** Reports of unknown, revoked or expired tokens: nothing done. */
  ignored: number;
  emailsQueued: number;
}

/** What a token belongs to: a group or project (its bot's resource) or, for a personal token, its user. */
interface Owner {
  resource: ResourceKind | null;
  entity: AuditEntity | undefined;
}

async function ownerOf(db: Db, user: UserRow): Promise<Owner> {
  const entity = await botResourceEntity(db, user);
  const resource: ResourceKind | null = user.bot_namespace_id !== null ? 'group' : user.bot_project_id !== null ? 'project' : null;
  return { resource, entity };
}

/**
 * A group token's Owners, a project token's Maintainers and Owners (direct members, as the expiry
 * notices' default audience), a personal token's user; only active humans.
 */
async function recipientsOf(db: Db, user: UserRow, owner: Owner): Promise<UserRow[]> {
  if (!owner.resource || !owner.entity) return findNotifiableUsers(db, [user.id]);
  const level = NOTICE_AUDIENCE_LEVEL[owner.resource];
  const members = await findMembersOfSources(db, owner.resource, [owner.entity.id]);
  return findNotifiableUsers(db, [...new Set(members.filter((m) => m.access_level >= level).map((m) => m.user_id))]);
}

async function recordLeakRevocation(ctx: ServiceContext, trx: Db, token: TokenRow, user: UserRow, report: LeakReportRow, now: string): Promise<number> {
  const owner = await ownerOf(trx, user);
  const kind = owner.resource ?? 'personal';
  await insertAuditEvent(trx, {
    author_id: null,
    author_name: LEAK_REPORT_AUTHOR,
    entity_type: owner.entity ? owner.entity.type : 'User',
    entity_id: owner.entity ? owner.entity.id : user.id,
    entity_path: owner.entity ? owner.entity.path : user.username,
    event_name: 'token_revoked_leak_report',
    target_type: 'PersonalAccessToken',
    target_id: token.id,
    target_details: token.name,
    ip_address: report.reporter_ip,
    details: { custom_message: `Revoked ${kind} access token with token_id: ${token.id} after a public leak report`, token_id: token.id, token_type: kind },
    created_at: now,
  });
  const settingsUrl =
    owner.resource && owner.entity ? accessTokensSettingsUrl(ctx.config.externalUrl, owner.resource, owner.entity.path) : personalAccessTokensSettingsUrl(ctx.config.externalUrl);
  const recipients = await recipientsOf(trx, user, owner);
  for (const recipient of recipients) {
    const mail = renderLeakRevocationNotice({ recipientName: recipient.name, tokenName: token.name, resource: owner.entity ? owner.resource : null, fullPath: owner.entity?.path ?? '', settingsUrl });
    await enqueueMail(trx, { recipient: recipient.email, ...mail }, now, externalHost(ctx.config));
  }
  return recipients.length;
}

/**
 * One report, in one transaction with everything it causes: taken off the queue (by this
 * transaction only), and when its token is still active, revoked, audited and mailed.
 */
async function processReport(ctx: ServiceContext, report: LeakReportRow, result: LeakRevocationReport): Promise<void> {
  const now = ctx.clock.now();
  await transaction(ctx.database, async (trx) => {
    if (!(await takeLeakReport(trx, report.id))) return;
    const token = await findTokenByDigest(trx, report.token_digest);
    const user = token && (await findUserById(trx, token.user_id));
    if (!token || !user || token.revoked === 1 || isExpired(token.expires_at, now) || !(await revokeTokenIfActive(trx, token.id, now.toISOString()))) {
      result.ignored += 1;
      return;
    }
    result.emailsQueued += await recordLeakRevocation(ctx, trx, token, user, report, now.toISOString());
    result.revoked += 1;
  });
}

/** The `leak-revocation` job: empties the queue of reports. */
export async function revokeReportedTokens(ctx: ServiceContext): Promise<LeakRevocationReport> {
  const result: LeakRevocationReport = { revoked: 0, ignored: 0, emailsQueued: 0 };
  for (;;) {
    const reports = await findLeakReports(ctx.database.db, JOB_BATCH);
    if (reports.length === 0) return result;
    for (const report of reports) await processReport(ctx, report, result);
  }
}
