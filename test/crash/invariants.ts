import type { Database } from '../../src/store/database.js';
import { rawRequest } from '../git/http.js';
import { runGit } from '../support/git-factories.js';
import type { Fixture, Ledger, TokenKind, TrackedToken } from './mixed-load.js';

/**
 * What must hold after any number of crashes, each check returning its violations (empty when it
 * holds), read from the restarted server and straight from its database.
 */

/** The audit event names the services write for each acknowledged change (src/services/*-access-tokens.ts). */
const EVENT = {
  created: { group: 'group_access_token_created', personal: 'personal_access_token_created' },
  rotated: { group: 'group_access_token_rotated', personal: 'personal_access_token_rotated' },
  revoked: { group: 'group_access_token_deleted', personal: 'personal_access_token_revoked' },
  leak: 'token_revoked_leak_report',
} as const;

/** Everything the checks read, in one go once the server has settled. */
export interface Stored {
  tokens: { id: number; user_id: number; name: string; revoked: number; rotation_grace_ends_at: string | null; previous_personal_access_token_id: number | null }[];
  events: { event_name: string; target_id: number | null; details: Record<string, unknown> }[];
  bots: { id: number; bot_namespace_id: number | null }[];
  members: { user_id: number; source_type: string; source_id: number; access_level: number }[];
  mails: { recipient: string; text_body: string }[];
  users: { username: string; email: string }[];
}

export async function readStored(database: Database): Promise<Stored> {
  const db = database.db;
  const events = await db.selectFrom('audit_events').select(['event_name', 'target_id', 'details']).execute();
  return {
    tokens: await db
      .selectFrom('personal_access_tokens')
      .select(['id', 'user_id', 'name', 'revoked', 'rotation_grace_ends_at', 'previous_personal_access_token_id'])
      .execute(),
    events: events.map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> })),
    bots: await db.selectFrom('users').select(['id', 'bot_namespace_id']).where('user_type', '=', 'project_bot').execute(),
    members: await db.selectFrom('members').select(['user_id', 'source_type', 'source_id', 'access_level']).execute(),
    mails: await db.selectFrom('mail_outbox').select(['recipient', 'text_body']).execute(),
    users: await db.selectFrom('users').select(['username', 'email']).where('user_type', '=', 'human').execute(),
  };
}

/** Reports still waiting for the leak-revocation job (it runs every second in the server). */
export async function pendingLeakReports(database: Database): Promise<number> {
  const row = await database.db.selectFrom('leak_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Acknowledged tokens authenticate (GET /personal_access_tokens/self answers with their id), and
 * acknowledged revocations, rotations and leak reports hold (401). The live tokens are tried
 * first: presenting a rotated token may, by design, revoke its family (token reuse detection).
 * Each request comes from its own loopback address, so the expected 401s never reach the
 * failed-authentication limits.
 */
export async function authenticationViolations(baseUrl: string, ledger: Ledger): Promise<string[]> {
  const violations: string[] = [];
  let client = 0;
  const known = [...ledger.tokens.values()].filter((t) => t.state !== 'unknown');
  for (const token of [...known.filter((t) => t.state === 'active'), ...known.filter((t) => t.state !== 'active')]) {
    const res = await rawRequest(baseUrl, {
      path: '/api/v4/personal_access_tokens/self',
      headers: { 'private-token': token.value },
      localAddress: `127.0.0.${10 + (client++ % 200)}`,
    });
    const expected = token.state === 'active' ? 200 : 401;
    const selfId = res.status === 200 ? (JSON.parse(res.body.toString()) as { id: number }).id : null;
    if (res.status !== expected || (expected === 200 && selfId !== token.id)) violations.push(`${describe(token)}: ${token.state}, answered ${res.status}`);
  }
  return violations;
}

const describe = (token: TrackedToken) => `${token.kind} token ${token.id} (${token.name})`;

const hasEvent = (stored: Stored, name: string, targetId: number, details: Record<string, unknown> = {}) =>
  stored.events.some((e) => e.event_name === name && e.target_id === targetId && Object.entries(details).every(([k, v]) => e.details[k] === v));

/** Every acknowledged change is stored with its audit event, and no stored token lacks the event that made or ended it. */
export function auditViolations(stored: Stored, ledger: Ledger): string[] {
  const violations: string[] = [];
  for (const token of ledger.tokens.values()) {
    const rotatedInto = ledger.rotations.find((r) => r.to === token.id);
    if (rotatedInto) continue;
    if (!hasEvent(stored, EVENT.created[token.kind], token.id)) violations.push(`${describe(token)}: acknowledged creation without ${EVENT.created[token.kind]}`);
  }
  for (const r of ledger.rotations) {
    if (!hasEvent(stored, EVENT.rotated[r.kind], r.from, { new_token_id: r.to })) violations.push(`${r.kind} token ${r.from} → ${r.to}: acknowledged rotation without ${EVENT.rotated[r.kind]}`);
  }
  for (const r of ledger.revocations) {
    if (!hasEvent(stored, EVENT.revoked[r.kind], r.id)) violations.push(`${r.kind} token ${r.id}: acknowledged revocation without ${EVENT.revoked[r.kind]}`);
  }
  for (const r of ledger.leakReports) {
    if (!hasEvent(stored, EVENT.leak, r.id)) violations.push(`${r.kind} token ${r.id}: acknowledged leak report without ${EVENT.leak}`);
  }
  // Acknowledged or not, a change exists exactly with its event (they share a transaction).
  for (const token of stored.tokens) {
    const previous = token.previous_personal_access_token_id;
    const made = previous === null ? stored.events.some((e) => e.event_name.endsWith('_created') && e.target_id === token.id) : hasEvent(stored, eventOfRotation(stored, token), previous, { new_token_id: token.id });
    if (!made) violations.push(`stored token ${token.id}: no audit event of its ${previous === null ? 'creation' : 'rotation'}`);
    const succeeded = stored.tokens.some((t) => t.previous_personal_access_token_id === token.id);
    const ended = ['_deleted', '_revoked', EVENT.leak].some((suffix) => stored.events.some((e) => e.event_name.endsWith(suffix) && e.target_id === token.id));
    if (token.revoked === 1 && !succeeded && !ended) violations.push(`stored token ${token.id}: revoked without an audit event`);
  }
  return violations;
}

const eventOfRotation = (stored: Stored, token: Stored['tokens'][number]) => (stored.bots.some((b) => b.id === token.user_id) ? EVENT.rotated.group : EVENT.rotated.personal);

/** A rotation family (tokens linked by previous_personal_access_token_id) never has two active tokens, nor forks. */
export function rotationViolations(stored: Stored): string[] {
  const violations: string[] = [];
  const byId = new Map(stored.tokens.map((t) => [t.id, t]));
  const live = (t: Stored['tokens'][number]) => t.revoked === 0 && t.rotation_grace_ends_at === null;
  const rootOf = (t: Stored['tokens'][number]): number => {
    let current = t;
    while (current.previous_personal_access_token_id !== null) current = byId.get(current.previous_personal_access_token_id)!;
    return current.id;
  };
  const liveByFamily = new Map<number, number[]>();
  for (const t of stored.tokens) {
    const successors = stored.tokens.filter((s) => s.previous_personal_access_token_id === t.id);
    if (successors.length > 1) violations.push(`token ${t.id} rotated into ${successors.map((s) => s.id).join(', ')}`);
    if (successors.length > 0 && live(t)) violations.push(`token ${t.id} is active although rotated into ${successors[0]!.id}`);
    if (live(t)) liveByFamily.set(rootOf(t), [...(liveByFamily.get(rootOf(t)) ?? []), t.id]);
  }
  for (const [root, ids] of liveByFamily) if (ids.length > 1) violations.push(`rotation family of token ${root} has ${ids.length} active tokens: ${ids.join(', ')}`);
  return violations;
}

/** No bot without a token or a membership; every acknowledged group token's bot is a member of the group. */
export function botViolations(stored: Stored, ledger: Ledger, fixture: Fixture): string[] {
  const violations: string[] = [];
  for (const bot of stored.bots) {
    if (!stored.tokens.some((t) => t.user_id === bot.id)) violations.push(`bot ${bot.id} has no token`);
    if (!stored.members.some((m) => m.user_id === bot.id)) violations.push(`bot ${bot.id} has no membership`);
  }
  for (const token of ledger.tokens.values()) {
    if (token.kind !== 'group') continue;
    const userId = stored.tokens.find((t) => t.id === token.id)?.user_id;
    if (!stored.members.some((m) => m.user_id === userId && m.source_type === 'group' && m.source_id === fixture.groupId)) violations.push(`${describe(token)}: its bot is not a member of the group`);
  }
  return violations;
}

/**
 * The outbox lost nothing: every acknowledged leak report's token has exactly one notice, to the
 * one person responsible (the group's Owner, or the token's user), and every leak revocation
 * event has its notice (they are written in one transaction by the leak-revocation job).
 */
export function outboxViolations(stored: Stored, ledger: Ledger, recipients: Record<TokenKind, string>): string[] {
  const violations: string[] = [];
  const noticesOf = (name: string) => stored.mails.filter((m) => m.text_body.includes(`"${name}"`));
  for (const r of ledger.leakReports) {
    const notices = noticesOf(r.name);
    if (notices.length !== 1 || notices[0]!.recipient !== recipients[r.kind]) violations.push(`${r.kind} token ${r.id} (${r.name}): ${notices.length} leak notices, expected 1 to ${recipients[r.kind]}`);
  }
  const leakEvents = stored.events.filter((e) => e.event_name === EVENT.leak).length;
  const leakNotices = stored.mails.filter((m) => m.text_body.includes('was reported as publicly exposed')).length;
  if (leakEvents !== leakNotices) violations.push(`${leakEvents} leak revocation events but ${leakNotices} leak notices in the outbox`);
  return violations;
}

/** Every acknowledged push is in the repository (the last one is an ancestor of main), and the repository is sound. */
export async function pushViolations(repositoryPath: string, ledger: Ledger, env: Record<string, string>): Promise<string[]> {
  const last = ledger.pushes.at(-1);
  if (!last) return [];
  const violations: string[] = [];
  const contained = await runGit(['--git-dir', repositoryPath, 'merge-base', '--is-ancestor', last, 'refs/heads/main'], { env });
  if (contained.code !== 0) violations.push(`acknowledged push ${last} is not in main (${contained.stderr.trim() || `exit ${contained.code}`})`);
  const fsck = await runGit(['--git-dir', repositoryPath, 'fsck', '--connectivity-only', '--no-dangling'], { env });
  if (fsck.code !== 0) violations.push(`git fsck: ${fsck.stderr.trim()}`);
  return violations;
}
