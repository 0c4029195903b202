import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../services/context.js';
import type { Db } from '../store/repositories/common.js';
import { insertOutboxMail, queueState, type QueueState } from '../store/repositories/lifecycle.js';
import type { MailOutboxRow } from '../store/schema-lifecycle.js';

/** A rendered email for one recipient. */
export interface OutgoingMail {
  recipient: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Puts an email in the outbox, inside the caller's transaction: it exists exactly when the change
 * that caused it does, and the `mail-delivery` job sends it (or reports why it could not).
 */
export async function enqueueMail(db: Db, mail: OutgoingMail, now: string, host: string): Promise<MailOutboxRow> {
  return insertOutboxMail(db, {
    recipient: mail.recipient,
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
    message_id: `<${randomUUID()}@${host}>`,
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    claimed_until: null,
    last_error: null,
    last_attempt_at: null,
    sent_at: null,
    created_at: now,
    updated_at: now,
  });
}

/** The outbox as an operator needs to see it: is mail going out, and if not, why. */
export const mailQueueState = (ctx: Pick<ServiceContext, 'database'>): Promise<QueueState> => queueState(ctx.database.db, 'mail_outbox');
