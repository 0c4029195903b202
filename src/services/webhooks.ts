import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { afterFailure, DELIVERY_CLAIM_MS, describeError } from '../domain/delivery-retry.js';
import { hookEventName, type NoticeKind } from '../domain/expiry-notices.js';
import { failure, invalidFields, type Failed } from '../domain/errors.js';
import { canAdminResource } from '../domain/permissions.js';
import { ok, type Result } from '../domain/result.js';
import { BLOCK_MESSAGES, checkHookUrl, classifyAddress, isBlocked } from '../domain/ssrf.js';
import { DEFAULT_EVENT_FLAGS, hookTimestamp, hookTokenError, RESOURCE_ACCESS_TOKEN_HOOK_EVENT, STORED_EVENT_FLAGS, type StoredEventFlag } from '../domain/web-hooks.js';
import type { Db } from '../store/repositories/common.js';
import { traversalIds } from '../store/repositories/groups.js';
import {
  claimRow,
  deleteHook,
  findDueRows,
  findHookById,
  findOwnedHook,
  findTokenEventHooks,
  insertDeliveries,
  insertHook,
  listOwnedHooks,
  markRowFailedAttempt,
  markRowSent,
  updateHook,
  type HookOwner,
} from '../store/repositories/lifecycle.js';
import type { WebHookRow } from '../store/schema-lifecycle.js';
import type { GroupRow, ProjectRow, TokenRow } from '../store/schema.js';
import type { Caller } from './caller.js';
import { nowIso, type ServiceContext } from './context.js';
import { resolveGroup } from './groups.js';
import type { Listed, Page } from './lists.js';
import { resolveProject } from './projects.js';
import type { ResourceRef } from './resource-access-tokens.js';
import { getSettings } from './settings.js';

/** The hook attributes of GitLab's group and project hooks APIs; all optional on update. */
export type HookInput = {
  url?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  token?: string | undefined;
  resource_access_token_events?: boolean | undefined;
  extended_grat_expiry_webhooks_execute?: boolean | undefined;
  enable_ssl_verification?: boolean | undefined;
  push_events_branch_filter?: string | undefined;
  branch_filter_strategy?: string | undefined;
} & { [flag in StoredEventFlag]?: boolean | undefined };

/** GitLab answers an invalid hook with 422 `{"message":{"url":["is blocked: …"]}}`. */
const invalid = (field: string, message: string) => invalidFields('hook_invalid', [{ field, message }]);

/**
 * The group or project (404 when the caller may not see it), then the hooks ability: GitLab's
 * `admin_group` (Owners) or `admin_project` (Maintainers), and administrators.
 */
async function hookOwnerOf(ctx: ServiceContext, caller: Caller, { kind, ref }: ResourceRef): Promise<Result<HookOwner>> {
  const db = ctx.database.db;
  const resolved: Result<{ group: GroupRow; level: number; project?: ProjectRow }> = kind === 'group' ? await resolveGroup(db, caller, ref) : await resolveProject(db, caller, ref);
  if (!resolved.ok) return resolved;
  const { group, level, project } = resolved.value;
  if (!canAdminResource(kind, caller, level)) return failure('forbidden');
  return ok({ groupId: group.id, projectId: project?.id ?? null });
}

// The hook's secret is sent on every delivery, so it is kept encrypted rather than digested; the
// key derives from the instance secret, like token digests, and never leaves the process.
function hookTokenKey(secret: Buffer): Buffer {
  return createHmac('sha256', secret).update('tollgate:web-hook-token').digest();
}

export function encryptHookToken(secret: Buffer, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', hookTokenKey(secret), iv);
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function decryptHookToken(secret: Buffer, ciphertext: string): string {
  const raw = Buffer.from(ciphertext.slice(3), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', hookTokenKey(secret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

async function validate(db: Db, input: HookInput): Promise<Failed | null> {
  if (input.url !== undefined) {
    const { allow_local_requests_from_web_hooks_and_services: allowLocal } = await getSettings(db);
    const check = checkHookUrl(input.url, allowLocal);
    if (!check.ok) return invalid('url', `is blocked: ${BLOCK_MESSAGES[check.reason]}`);
  }
  if (input.token !== undefined) {
    const error = hookTokenError(input.token);
    if (error) return invalid('token', error);
  }
  return null;
}

function storedEvents(current: Record<string, boolean>, input: HookInput): string {
  const events: Record<string, boolean> = { ...current };
  for (const flag of STORED_EVENT_FLAGS) if (input[flag] !== undefined) events[flag] = input[flag]!;
  return JSON.stringify(events);
}

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? (1 as const) : (0 as const));

/** GET /groups/:id/hooks, GET /projects/:id/hooks. */
export async function listHooks(ctx: ServiceContext, caller: Caller, resource: ResourceRef, page: Page): Promise<Result<Listed<WebHookRow>>> {
  const owner = await hookOwnerOf(ctx, caller, resource);
  if (!owner.ok) return owner;
  const { rows, total } = await listOwnedHooks(ctx.database.db, owner.value, page);
  return ok({ items: rows, total });
}

/** GET /groups/:id/hooks/:hook_id, GET /projects/:id/hooks/:hook_id. */
export async function getHook(ctx: ServiceContext, caller: Caller, resource: ResourceRef, hookId: number): Promise<Result<WebHookRow>> {
  const owner = await hookOwnerOf(ctx, caller, resource);
  if (!owner.ok) return owner;
  const hook = await findOwnedHook(ctx.database.db, owner.value, hookId);
  return hook ? ok(hook) : failure('not_found');
}

/** POST /groups/:id/hooks, POST /projects/:id/hooks; a URL to a refused address is a 422. */
export async function createHook(ctx: ServiceContext, caller: Caller, resource: ResourceRef, input: HookInput & { url: string }): Promise<Result<WebHookRow>> {
  const owner = await hookOwnerOf(ctx, caller, resource);
  if (!owner.ok) return owner;
  const db = ctx.database.db;
  const problem = await validate(db, input);
  if (problem) return problem;
  const now = nowIso(ctx);
  return ok(
    await insertHook(db, {
      group_id: owner.value.groupId,
      project_id: owner.value.projectId,
      url: input.url,
      name: input.name ?? '',
      description: input.description ?? '',
      token_ciphertext: input.token ? encryptHookToken(ctx.secret, input.token) : null,
      resource_access_token_events: flag(input.resource_access_token_events) ?? 0,
      extended_grat_expiry_webhooks_execute: flag(input.extended_grat_expiry_webhooks_execute) ?? 0,
      enable_ssl_verification: flag(input.enable_ssl_verification) ?? 1,
      events: storedEvents(DEFAULT_EVENT_FLAGS, input),
      push_events_branch_filter: input.push_events_branch_filter ?? null,
      branch_filter_strategy: input.branch_filter_strategy ?? 'wildcard',
      uuid: randomUUID(),
      created_at: now,
      updated_at: now,
    }),
  );
}

/** PUT /groups/:id/hooks/:hook_id, PUT /projects/:id/hooks/:hook_id. */
export async function changeHook(ctx: ServiceContext, caller: Caller, resource: ResourceRef, hookId: number, input: HookInput): Promise<Result<WebHookRow>> {
  const owner = await hookOwnerOf(ctx, caller, resource);
  if (!owner.ok) return owner;
  const db = ctx.database.db;
  const hook = await findOwnedHook(db, owner.value, hookId);
  if (!hook) return failure('not_found');
  const problem = await validate(db, input);
  if (problem) return problem;
  // GitLab: "When you change the webhook URL, the secret token is reset and not retained."
  const urlChanged = input.url !== undefined && input.url !== hook.url;
  const token = input.token !== undefined ? (input.token ? encryptHookToken(ctx.secret, input.token) : null) : urlChanged ? null : undefined;
  return ok(
    await updateHook(db, hook.id, {
      url: input.url,
      name: input.name,
      description: input.description,
      token_ciphertext: token,
      resource_access_token_events: flag(input.resource_access_token_events),
      extended_grat_expiry_webhooks_execute: flag(input.extended_grat_expiry_webhooks_execute),
      enable_ssl_verification: flag(input.enable_ssl_verification),
      events: storedEvents(JSON.parse(hook.events) as Record<string, boolean>, input),
      push_events_branch_filter: input.push_events_branch_filter,
      branch_filter_strategy: input.branch_filter_strategy,
      updated_at: nowIso(ctx),
    }),
  );
}

/** DELETE /groups/:id/hooks/:hook_id, DELETE /projects/:id/hooks/:hook_id: its queued deliveries go with it. */
export async function removeHook(ctx: ServiceContext, caller: Caller, resource: ResourceRef, hookId: number): Promise<Result<null>> {
  const owner = await hookOwnerOf(ctx, caller, resource);
  if (!owner.ok) return owner;
  const hook = await findOwnedHook(ctx.database.db, owner.value, hookId);
  if (!hook) return failure('not_found');
  await deleteHook(ctx.database.db, hook.id);
  return ok(null);
}

/** The resource a token event is about: a group, or a project with its group. */
interface TokenEventResource {
  group: GroupRow;
  project: ProjectRow | null;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

/** GitLab's Project#hook_attrs; Tollgate serves Git over HTTPS only, so the SSH URLs are null. */
function projectHookAttrs(project: ProjectRow, group: GroupRow, externalUrl: string) {
  const webUrl = `${externalUrl}/${group.full_path}/${project.path}`;
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    web_url: webUrl,
    avatar_url: null,
    git_ssh_url: null,
    git_http_url: `${webUrl}.git`,
    namespace: group.name,
    visibility_level: VISIBILITY_LEVEL[project.visibility],
    path_with_namespace: `${group.full_path}/${project.path}`,
    default_branch: 'main',
    ci_config_path: null,
    homepage: webUrl,
    url: `${webUrl}.git`,
    ssh_url: null,
    http_url: `${webUrl}.git`,
  };
}

/**
 * GitLab's `resource_access_token` payload (Gitlab::DataBuilder::ResourceAccessTokenPayload): the
 * group's attributes under `group`, or the project's hook attributes under `project`.
 */
export function tokenHookPayload(
  { group, project }: TokenEventResource,
  token: Pick<TokenRow, 'id' | 'user_id' | 'name' | 'created_at' | 'expires_at' | 'last_used_at'>,
  kind: NoticeKind,
  externalUrl: string,
) {
  return {
    object_kind: 'access_token',
    ...(project
      ? { project: projectHookAttrs(project, group, externalUrl) }
      : { group: { group_name: group.name, group_path: group.path, group_id: group.id, full_path: group.full_path } }),
    object_attributes: {
      user_id: token.user_id,
      created_at: hookTimestamp(token.created_at),
      id: token.id,
      name: token.name,
      expires_at: token.expires_at,
      last_used_at: hookTimestamp(token.last_used_at),
    },
    event_name: hookEventName(kind),
    ...(kind === 'expired' ? {} : { interval: kind }),
  };
}

/**
 * The access-token hooks for a resource's tokens: its own, and those of every group above it
 * (parent group hooks fire for subgroup and project tokens, as GitLab's group hooks do).
 */
export const tokenHooksFor = (db: Db, { group, project }: TokenEventResource): Promise<WebHookRow[]> =>
  findTokenEventHooks(db, traversalIds(group), project?.id ?? null);

/** Queues one delivery per hook, inside the caller's transaction (the one that records the notice). */
export async function enqueueTokenHookDeliveries(db: Db, hooks: WebHookRow[], payload: ReturnType<typeof tokenHookPayload>, now: string): Promise<number> {
  const rows = hooks.map((hook) => ({
    hook_id: hook.id,
    event_name: payload.event_name,
    payload: JSON.stringify(payload),
    idempotency_key: randomUUID(),
    status: 'queued' as const,
    attempts: 0,
    next_attempt_at: now,
    claimed_until: null,
    last_error: null,
    last_response_status: null,
    last_attempt_at: null,
    sent_at: null,
    created_at: now,
    updated_at: now,
  }));
  await insertDeliveries(db, rows);
  return rows.length;
}

export interface WebhookDeliveryOptions {
  batchSize?: number;
  /** Per request; GitLab's webhook time-out is 10 seconds. */
  timeoutMs?: number;
}

export interface WebhookDeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

class BlockedUrlError extends Error {
  readonly code = 'EBLOCKED';
}

/** DNS resolution that refuses local addresses, so the connection goes only where the check allowed. */
export function guardedLookup(allowLocal: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      for (const { address } of addresses) {
        const reason = classifyAddress(address);
        if (isBlocked(reason, allowLocal)) return callback(new BlockedUrlError(`URL is blocked: ${BLOCK_MESSAGES[reason!]}`), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

interface HookResponse {
  status: number;
  location: string | undefined;
}

/** One POST, never following redirects (a redirect could lead anywhere, the local network included). */
function post(url: URL, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowLocal: boolean; verifyTls: boolean }): Promise<HookResponse> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowLocal),
        ...(url.protocol === 'https:' ? { rejectUnauthorized: options.verifyTls } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }));
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => request.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })), options.timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The `webhook-delivery` job: posts due deliveries, each claimed first so no other run posts it.
 * A 2xx answer is success; any other answer, a redirect, a time-out or a network error is retried
 * with back-off until the attempts run out; a URL that resolves to a refused address fails at once.
 */
export async function deliverWebhooks(ctx: ServiceContext, options: WebhookDeliveryOptions = {}): Promise<WebhookDeliveryReport> {
  const db = ctx.database.db;
  const report: WebhookDeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  const due = await findDueRows(db, 'webhook_deliveries', nowIso(ctx), options.batchSize ?? 50);
  if (due.length === 0) return report;
  const { allow_local_requests_from_web_hooks_and_services: allowLocal } = await getSettings(db);
  for (const delivery of due) {
    const now = ctx.clock.now();
    if (!(await claimRow(db, 'webhook_deliveries', delivery.id, now.toISOString(), new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString()))) continue;
    const hook = await findHookById(db, delivery.hook_id);
    if (!hook) continue; // deleted meanwhile: its deliveries went with it
    const attempts = delivery.attempts + 1;
    let failure: { message: string; permanent: boolean; status: number | null };
    try {
      const check = checkHookUrl(hook.url, allowLocal);
      if (!check.ok) throw new BlockedUrlError(`URL is blocked: ${BLOCK_MESSAGES[check.reason]}`);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Tollgate',
        'x-gitlab-event': RESOURCE_ACCESS_TOKEN_HOOK_EVENT,
        'x-gitlab-instance': ctx.config.externalUrl,
        'x-gitlab-webhook-uuid': hook.uuid,
        'x-gitlab-event-uuid': delivery.idempotency_key,
        'idempotency-key': delivery.idempotency_key,
      };
      if (hook.token_ciphertext) headers['x-gitlab-token'] = decryptHookToken(ctx.secret, hook.token_ciphertext);
      const response = await post(check.url, delivery.payload, headers, { timeoutMs: options.timeoutMs ?? 10_000, allowLocal, verifyTls: hook.enable_ssl_verification === 1 });
      if (response.status >= 200 && response.status < 300) {
        await markRowSent(db, 'webhook_deliveries', delivery.id, attempts, nowIso(ctx), { last_response_status: response.status });
        report.sent += 1;
        continue;
      }
      const redirect = response.status >= 300 && response.status < 400 ? ` (redirect to ${response.location ?? '?'} not followed)` : '';
      failure = { message: `HTTP ${response.status}${redirect}`, permanent: false, status: response.status };
    } catch (error) {
      failure = { message: describeError(error), permanent: error instanceof BlockedUrlError, status: null };
    }
    const verdict = afterFailure(attempts, failure.permanent, ctx.clock.now());
    await markRowFailedAttempt(db, 'webhook_deliveries', delivery.id, {
      attempts,
      error: failure.message,
      retryAt: verdict.kind === 'retry' ? verdict.at : null,
      now: nowIso(ctx),
      responseStatus: failure.status,
    });
    if (verdict.kind === 'retry') report.retrying += 1;
    else report.failed += 1;
  }
  return report;
}
