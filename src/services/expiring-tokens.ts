import { cascadedValue, hookFiresFor, NOTICE_AUDIENCE_LEVEL, NOTICE_KINDS, noticeWindow, type NoticeKind } from '../domain/expiry-notices.js';
import type { ResourceKind } from '../domain/bot-users.js';
import { externalHost } from '../config.js';
import type { InstanceSettings } from '../domain/settings.js';
import { enqueueMail } from '../mail/outbox.js';
import { accessTokensSettingsUrl, renderExpiryNotice, type NoticeGroup } from '../mail/templates.js';
import { transaction } from '../store/database.js';
import type { Db } from '../store/repositories/common.js';
import {
  findBotsByIds,
  findDueTokens,
  findNotifiableUsers,
  insertNoticeItems,
  recipientsWithNotices,
  recordNotices,
  takeNoticesOf,
  type DueToken,
} from '../store/repositories/lifecycle.js';
import { findGroupById, findGroupsByIds, traversalIds, findMembersOfSources } from '../store/repositories/groups.js';
import { findProjectById, findProjectsByIds } from '../store/repositories/projects.js';
import type { WebHookRow } from '../store/schema-lifecycle.js';
import type { GroupRow, ProjectRow, UserRow } from '../store/schema.js';
import { nowIso, todayUtc, type ServiceContext } from './context.js';
import { getSettings } from './settings.js';
import { enqueueTokenHookDeliveries, tokenHookPayload, tokenHooksFor } from './webhooks.js';

export interface ExpiringTokensOptions {
  batchSize?: number;
  /** Fault injection for tests: runs after each committed batch of recorded notices. */
  afterBatch?: (kind: NoticeKind) => void | Promise<void>;
}

export interface ExpiringTokensReport {
  /** Tokens whose notice this run recorded, by notice. */
  notices: Record<NoticeKind, number>;
  emailsQueued: number;
  webhooksQueued: number;
}

const DEFAULT_BATCH = 1000;
const RECIPIENT_BATCH = 50;

/**
 * Who hears about a resource's tokens, and which hooks; computed once per resource per run. A
 * project's audience keeps its group (the inherited members' and the notice's `group_id`).
 */
interface Audience {
  resource: ResourceKind;
  group: GroupRow;
  project: ProjectRow | null;
  recipientIds: number[];
  hooks: WebHookRow[];
}

/** The resource a bot's token belongs to, as a key of the run's audiences (decision 0004). */
const resourceKeyOf = (bot: UserRow): string => (bot.bot_namespace_id !== null ? `group:${bot.bot_namespace_id}` : `project:${bot.bot_project_id}`);

/** The audience behind a key, or null when its group or project is gone (skipped, left unmarked: GitLab). */
async function resolveAudience(db: Db, key: string, settings: InstanceSettings): Promise<Audience | null> {
  const [kind, id] = key.split(':') as [ResourceKind, string];
  const project = kind === 'project' ? ((await findProjectById(db, Number(id))) ?? null) : null;
  if (kind === 'project' && !project) return null;
  const group = await findGroupById(db, project ? project.group_id : Number(id));
  return group ? audienceOf(db, group, project, settings) : null;
}

/**
 * §7 and §10 recipients: the resource's direct members at its audience level (a group's Owners, a
 * project's Owners and Maintainers), plus inherited ones (members of the group, or the project's
 * group, and every group above) when the cascading `resource_access_token_notify_inherited` is in
 * effect for that group. Only active humans receive notifications: bots (a token may be an Owner)
 * and blocked users do not. The hooks: the resource's own and those of the groups above it.
 */
async function audienceOf(db: Db, group: GroupRow, project: ProjectRow | null, settings: InstanceSettings): Promise<Audience> {
  const resource: ResourceKind = project ? 'project' : 'group';
  const chainIds = traversalIds(group);
  const chain = chainIds.length > 1 ? await findGroupsByIds(db, chainIds) : [group];
  const byId = new Map(chain.map((g) => [g.id, g]));
  const notifyInherited = cascadedValue(
    chainIds.map((id) => {
      const g = byId.get(id);
      return { value: g?.resource_access_token_notify_inherited == null ? null : g.resource_access_token_notify_inherited === 1, locked: g?.lock_resource_access_token_notify_inherited === 1 };
    }),
    { value: settings.resource_access_token_notify_inherited, locked: settings.lock_resource_access_token_notify_inherited },
  );
  const direct = project ? await findMembersOfSources(db, 'project', [project.id]) : [];
  const members = [...direct, ...(await findMembersOfSources(db, 'group', notifyInherited ? chainIds : project ? [] : [group.id]))];
  const audienceIds = [...new Set(members.filter((m) => m.access_level >= NOTICE_AUDIENCE_LEVEL[resource]).map((m) => m.user_id))];
  const recipients = await findNotifiableUsers(db, audienceIds);
  const hooks = await tokenHooksFor(db, { group, project });
  return { resource, group, project, recipientIds: recipients.map((u) => u.id).sort((a, b) => a - b), hooks };
}

/**
 * Phase one, for one notice: walk the due tokens in batches; in one transaction per batch, record
 * each token's notice in its ledger column, stage one notice per recipient and queue its webhooks.
 * A crash loses nothing (what committed is staged, what did not is still due) and repeats nothing.
 */
async function recordDueNotices(
  ctx: ServiceContext,
  kind: NoticeKind,
  audiences: Map<string, Audience | null>,
  settings: InstanceSettings,
  options: ExpiringTokensOptions,
  report: ExpiringTokensReport,
): Promise<void> {
  const db = ctx.database.db;
  const window = noticeWindow(kind, todayUtc(ctx));
  let after: { expiresAt: string; id: number } | null = null;
  for (;;) {
    const tokens = await findDueTokens(db, kind, window, after, options.batchSize ?? DEFAULT_BATCH);
    if (tokens.length === 0) return;
    const last = tokens[tokens.length - 1]!;
    after = { expiresAt: last.expires_at, id: last.id };

    // Group and project access tokens: a bot whose resource is gone is skipped and left unmarked (GitLab).
    const bots = await findBotsByIds(db, [...new Set(tokens.map((t) => t.user_id))]);
    const resourceOfUser = new Map(bots.map((b) => [b.id, resourceKeyOf(b)]));
    for (const key of new Set(resourceOfUser.values())) {
      if (!audiences.has(key)) audiences.set(key, await resolveAudience(db, key, settings));
    }
    const announced = tokens.filter((t) => audiences.get(resourceOfUser.get(t.user_id) ?? ''));
    if (announced.length === 0) continue;

    const now = nowIso(ctx);
    await transaction(ctx.database, async (trx) => {
      const recorded = new Set(await recordNotices(trx, kind, announced.map((t) => t.id), now));
      const items = [];
      for (const token of announced.filter((t) => recorded.has(t.id))) {
        const audience = audiences.get(resourceOfUser.get(token.user_id)!)!;
        for (const recipientId of audience.recipientIds) {
          items.push({ recipient_id: recipientId, group_id: audience.group.id, project_id: audience.project?.id ?? null, token_id: token.id, token_name: token.name, expires_at: token.expires_at, kind, created_at: now });
        }
        report.webhooksQueued += await enqueueHookEvents(trx, audience, token, kind, now, ctx.config.externalUrl);
      }
      await insertNoticeItems(trx, items);
      report.notices[kind] += recorded.size;
    });
    await options.afterBatch?.(kind);
  }
}

function enqueueHookEvents(db: Db, audience: Audience, token: DueToken, kind: NoticeKind, now: string, externalUrl: string): Promise<number> {
  const hooks = audience.hooks.filter((h) => hookFiresFor(kind, h.extended_grat_expiry_webhooks_execute === 1));
  if (hooks.length === 0) return Promise.resolve(0);
  return enqueueTokenHookDeliveries(db, hooks, tokenHookPayload(audience, token, kind, externalUrl), now);
}

/** One recipient's staged notices become one email, in the transaction that removes them. */
async function mailNoticesOf(ctx: ServiceContext, trx: Db, recipientId: number, host: string): Promise<boolean> {
  const notices = await takeNoticesOf(trx, recipientId);
  const [recipient] = await findNotifiableUsers(trx, [recipientId]);
  if (notices.length === 0 || !recipient) return false;
  const groups = new Map((await findGroupsByIds(trx, [...new Set(notices.map((n) => n.group_id))])).map((g) => [g.id, g]));
  const projectIds = [...new Set(notices.flatMap((n) => (n.project_id === null ? [] : [n.project_id])))];
  const projects = new Map((await findProjectsByIds(trx, projectIds)).map((p) => [p.id, p]));
  const byGroup = new Map<string, NoticeGroup>();
  for (const notice of notices) {
    const group = groups.get(notice.group_id);
    const project = notice.project_id === null ? null : projects.get(notice.project_id);
    if (!group || project === undefined) continue;
    const resource: ResourceKind = project ? 'project' : 'group';
    const fullPath = project ? `${group.full_path}/${project.path}` : group.full_path;
    const entry = byGroup.get(`${resource}:${fullPath}`) ?? { resource, fullPath, settingsUrl: accessTokensSettingsUrl(ctx.config.externalUrl, resource, fullPath), tokens: [] };
    entry.tokens.push({ name: notice.token_name, expiresAt: notice.expires_at, kind: notice.kind });
    byGroup.set(`${resource}:${fullPath}`, entry);
  }
  if (byGroup.size === 0) return false;
  const mail = renderExpiryNotice({ recipientName: recipient.name, today: todayUtc(ctx), groups: [...byGroup.values()] });
  await enqueueMail(trx, { recipient: recipient.email, ...mail }, nowIso(ctx), host);
  return true;
}

/**
 * Phase two: each recipient's staged notices become one email, in the transaction that removes
 * them, so every staged notice is mailed exactly once, whichever run (or instance) gets there.
 * Recipients are taken a few dozen per transaction: short enough not to hold up requests.
 */
async function mailStagedNotices(ctx: ServiceContext, report: ExpiringTokensReport): Promise<void> {
  const db = ctx.database.db;
  const host = externalHost(ctx.config);
  let afterId = 0;
  for (;;) {
    const recipientIds = await recipientsWithNotices(db, afterId, RECIPIENT_BATCH);
    if (recipientIds.length === 0) return;
    afterId = recipientIds[recipientIds.length - 1]!;
    const queued = await transaction(ctx.database, async (trx) => {
      let count = 0;
      for (const recipientId of recipientIds) if (await mailNoticesOf(ctx, trx, recipientId, host)) count += 1;
      return count;
    });
    report.emailsQueued += queued;
  }
}

/**
 * The `expiring-tokens` job (daily at 01:00 UTC): the 60/30/7-day notices and the "expired" notice
 * of T7, as emails to the group's Owners (a project's Owners and Maintainers, §10) and as `resource_access_token` webhook events. Idempotent:
 * run it twice, or on two instances at once, and each token's notice goes out once.
 */
export async function runExpiringTokens(ctx: ServiceContext, options: ExpiringTokensOptions = {}): Promise<ExpiringTokensReport> {
  const report: ExpiringTokensReport = { notices: { seven_days: 0, thirty_days: 0, sixty_days: 0, expired: 0 }, emailsQueued: 0, webhooksQueued: 0 };
  const audiences = new Map<string, Audience | null>();
  const settings = await getSettings(ctx.database.db);
  for (const kind of NOTICE_KINDS) await recordDueNotices(ctx, kind, audiences, settings, options, report);
  // Also what an earlier, interrupted run staged.
  await mailStagedNotices(ctx, report);
  return report;
}
