import type { Generated, Selectable } from 'kysely';

/**
 * Tables of the token lifecycle (migration 0003): the email outbox, pending expiry notices, group
 * webhooks and their delivery outbox. Same column conventions as schema.ts.
 */
declare module './schema.js' {
  interface Schema {
    mail_outbox: MailOutboxTable;
    expiry_notices: ExpiryNoticesTable;
    web_hooks: WebHooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}

export type OutboxStatus = 'queued' | 'sent' | 'failed';

/** One email to one recipient; drained by the `mail-delivery` job. */
export interface MailOutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** Stable across retries, so a receiver can recognise a message sent twice after a crash. */
  message_id: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  /** A delivery in progress holds the row until then; a crashed one is retried after it. */
  claimed_until: string | null;
  last_error: string | null;
  last_attempt_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export type NoticeKindColumn = 'sixty_days' | 'thirty_days' | 'seven_days' | 'expired';

/**
 * One token to mention to one recipient. Written in the transaction that records the token's
 * notice in its ledger column; turned into one email per recipient, and deleted, in one transaction.
 */
export interface ExpiryNoticesTable {
  id: Generated<number>;
  recipient_id: number;
  /** The token's group, or for a project token its project's group. */
  group_id: number;
  /** A project token's project (§10); null for a group token. */
  project_id: number | null;
  token_id: number;
  token_name: string;
  expires_at: string;
  kind: NoticeKindColumn;
  created_at: string;
}

/**
 * A group or project webhook (GitLab's GroupHook and ProjectHook). Event flags Tollgate never
 * fires are kept in `events`.
 */
export interface WebHooksTable {
  id: Generated<number>;
  /** The group's, or the project's group (then `project_id` names the project: migration 0007). */
  group_id: number;
  project_id: number | null;
  url: string;
  name: string;
  description: string;
  /** The secret sent as X-Gitlab-Token, encrypted with a key derived from the instance secret. */
  token_ciphertext: string | null;
  resource_access_token_events: 0 | 1;
  /** Also fire at 60 and 30 days (GitLab's group setting `extended_grat_expiry_webhooks_execute`). */
  extended_grat_expiry_webhooks_execute: 0 | 1;
  enable_ssl_verification: 0 | 1;
  /** JSON object: GitLab's other `*_events` flags, stored and shown as given. */
  events: string;
  push_events_branch_filter: string | null;
  branch_filter_strategy: string;
  /** X-Gitlab-Webhook-UUID. */
  uuid: string;
  created_at: string;
  updated_at: string;
}

/** One payload for one hook; drained by the `webhook-delivery` job. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  hook_id: number;
  event_name: string;
  /** JSON text, exactly the body that is POSTed. */
  payload: string;
  /** Idempotency-Key and X-Gitlab-Event-UUID: the same on every retry of this delivery. */
  idempotency_key: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  claimed_until: string | null;
  last_error: string | null;
  last_response_status: number | null;
  last_attempt_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export type MailOutboxRow = Selectable<MailOutboxTable>;
export type ExpiryNoticeRow = Selectable<ExpiryNoticesTable>;
export type WebHookRow = Selectable<WebHooksTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
