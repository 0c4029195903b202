import type { ResourceKind } from '../domain/bot-users.js';
import { daysBetween } from '../domain/expiry.js';
import { intervalRule, type NoticeKind } from '../domain/expiry-notices.js';

/** One token to mention; `kind` says which notice it is due for. */
export interface NoticeToken {
  name: string;
  expiresAt: string;
  kind: NoticeKind;
}

/** A group or a project whose tokens the email lists. */
export interface NoticeGroup {
  /** A group by default; a project's tokens are worded "project" (§10 "Expiry notices"). */
  resource?: ResourceKind;
  fullPath: string;
  /** `accessTokensSettingsUrl(…)`: the resource's Settings > Access tokens page. */
  settingsUrl: string;
  tokens: NoticeToken[];
}

export interface ExpiryNoticeInput {
  recipientName: string;
  /** The run's date, for "in N days". */
  today: string;
  groups: NoticeGroup[];
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** GitLab lists at most 100 tokens in one expiry email (ExpiringWorker::MAX_TOKENS). */
export const MAX_TOKENS_LISTED = 100;

/** GitLab's words, per resource: who is told (§7: a group's Owners; §10: a project's Owners and Maintainers). */
const WORDING: Record<ResourceKind, { heading: string; reason: string }> = {
  group: { heading: 'Group', reason: 'You are receiving this email because you are an Owner of the Group.' },
  project: { heading: 'Project', reason: 'You are receiving this email because you are an Owner or Maintainer of the Project.' },
};

const resourceOf = (g: NoticeGroup): ResourceKind => g.resource ?? 'group';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function whenText(token: NoticeToken, today: string): string {
  if (token.kind === 'expired') return `expired on ${token.expiresAt}`;
  const days = daysBetween(today, token.expiresAt);
  const relative = days <= 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
  return `expires on ${token.expiresAt} (${relative})`;
}

/**
 * GitLab's subject ("Your resource access tokens will expire in 60 days or less"), with the largest
 * interval so it holds for every token listed, followed by which token, where and when.
 */
function subjectFor(groups: NoticeGroup[]): string {
  const tokens = groups.flatMap((g) => g.tokens.map((t) => ({ ...t, group: g.fullPath })));
  const expiring = tokens.filter((t) => t.kind !== 'expired').map((t) => intervalRule(t.kind as Exclude<NoticeKind, 'expired'>).days);
  const hasExpired = tokens.some((t) => t.kind === 'expired');
  const within = expiring.length > 0 ? `will expire in ${Math.max(...expiring)} days or less` : '';
  const lead =
    hasExpired && within ? `Your resource access tokens have expired or ${within}` : hasExpired ? 'Your resource access tokens have expired' : `Your resource access tokens ${within}`;
  const first = [...tokens].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))[0]!;
  const more = tokens.length > 1 ? ` and ${tokens.length - 1} more` : '';
  const subject = `${lead}: "${first.name}" (${first.group}) ${first.kind === 'expired' ? 'expired' : 'expires'} on ${first.expiresAt}${more}`;
  // A token name is user input: it must not break the header onto a new line.
  return subject.replace(/[\r\n]+/g, ' ');
}

/** Groups by full path, tokens by date then name, so the mail reads in order of urgency. */
function sorted(groups: NoticeGroup[]): NoticeGroup[] {
  return [...groups]
    .sort((a, b) => a.fullPath.localeCompare(b.fullPath))
    .map((g) => ({ ...g, tokens: [...g.tokens].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.name.localeCompare(b.name)) }));
}

/** The one email a recipient gets per run: every token due, by group, with plain text and HTML parts. */
export function renderExpiryNotice(input: ExpiryNoticeInput): RenderedMail {
  const groups = sorted(input.groups);
  let budget = MAX_TOKENS_LISTED;
  const total = groups.reduce((n, g) => n + g.tokens.length, 0);
  const listed = groups
    .map((g) => {
      const tokens = g.tokens.slice(0, Math.max(budget, 0));
      budget -= tokens.length;
      return { ...g, tokens };
    })
    .filter((g) => g.tokens.length > 0);
  const unlisted = total - MAX_TOKENS_LISTED;
  const resources = (['group', 'project'] as const).filter((r) => groups.some((g) => resourceOf(g) === r));
  const intro = `These ${resources.join(' and ')} access tokens have expired or will expire soon:`;
  const reasons = resources.map((r) => WORDING[r].reason);
  const heading = (g: NoticeGroup) => `${WORDING[resourceOf(g)].heading} ${g.fullPath}`;

  const text = [
    `Hi ${input.recipientName},`,
    '',
    intro,
    '',
    ...listed.flatMap((g) => [
      `${heading(g)}:`,
      ...g.tokens.map((t) => `  - "${t.name}" ${whenText(t, input.today)}`),
      `  Manage them at Settings > Access tokens: ${g.settingsUrl}`,
      '',
    ]),
    ...(unlisted > 0 ? [`…and ${unlisted} more tokens.`, ''] : []),
    'A token stops working at 00:00 UTC on its expiry date. Rotate it, or create a new one, before then.',
    '',
    ...reasons,
    '',
  ].join('\n');

  const html = [
    '<!DOCTYPE html>',
    '<html><body style="font-family: sans-serif">',
    `<p>Hi ${escapeHtml(input.recipientName)},</p>`,
    `<p>${intro}</p>`,
    ...listed.map(
      (g) =>
        `<h3>${escapeHtml(heading(g))}</h3><ul>${g.tokens.map((t) => `<li><strong>${escapeHtml(t.name)}</strong> ${escapeHtml(whenText(t, input.today))}</li>`).join('')}</ul>` +
        `<p><a href="${escapeHtml(g.settingsUrl)}">Manage them at Settings &gt; Access tokens</a></p>`,
    ),
    ...(unlisted > 0 ? [`<p>…and ${unlisted} more tokens.</p>`] : []),
    '<p>A token stops working at 00:00 UTC on its expiry date. Rotate it, or create a new one, before then.</p>',
    ...reasons.map((reason) => `<p style="color: #666">${escapeHtml(reason)}</p>`),
    '</body></html>',
  ].join('\n');

  return { subject: subjectFor(groups), text, html };
}

/** A group's page is under `/groups/<full path>`, a project's at `/<group path>/<project path>` (GitLab's routes). */
const SETTINGS_PREFIX: Record<ResourceKind, string> = { group: '/groups', project: '' };

export function accessTokensSettingsUrl(externalUrl: string, resource: ResourceKind, fullPath: string): string {
  return `${externalUrl}${SETTINGS_PREFIX[resource]}/${fullPath}/-/settings/access_tokens`;
}

export const groupAccessTokensSettingsUrl = (externalUrl: string, fullPath: string): string => accessTokensSettingsUrl(externalUrl, 'group', fullPath);

/** The token a leak report revoked, and where it belonged (null for a personal access token). */
export interface LeakRevocationInput {
  recipientName: string;
  tokenName: string;
  resource: ResourceKind | null;
  /** The group's or project's full path; ignored for a personal access token. */
  fullPath: string;
  /** Where to make a new token: the resource's Settings > Access tokens, or the user's. */
  settingsUrl: string;
}

/** The user's own tokens page (GitLab's User settings > Access tokens). */
export const personalAccessTokensSettingsUrl = (externalUrl: string): string => `${externalUrl}/-/user_settings/personal_access_tokens`;

/**
 * The email for a token revoked after a public leak report (POST /credentials/revoke), in the
 * words of GitLab's access_token_revoked_email ("A personal access token has been revoked").
 */
export function renderLeakRevocationNotice(input: LeakRevocationInput): RenderedMail {
  const kind = input.resource ?? 'personal';
  const where = input.resource ? ` of ${WORDING[input.resource].heading} ${input.fullPath}` : '';
  const protecting = input.resource ? `the ${input.resource}` : 'your account';
  const reason = input.resource ? WORDING[input.resource].reason : 'You are receiving this email because the token is yours.';
  const lines = [
    `The ${kind} access token "${input.tokenName}"${where} was reported as publicly exposed and has been revoked automatically to protect ${protecting}.`,
    'A revoked token cannot be used again. If you still need one, create a new token and keep it out of public places.',
  ];
  const text = [`Hi ${input.recipientName}!`, '', ...lines, '', `Create a new token at Settings > Access tokens: ${input.settingsUrl}`, '', reason, ''].join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html><body style="font-family: sans-serif">',
    `<p>Hi ${escapeHtml(input.recipientName)}!</p>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(input.settingsUrl)}">Create a new token at Settings &gt; Access tokens</a></p>`,
    `<p style="color: #666">${escapeHtml(reason)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: `A ${kind} access token has been revoked`, text, html };
}
