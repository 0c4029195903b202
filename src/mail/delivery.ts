import { afterFailure, DELIVERY_CLAIM_MS, describeError, isConnectionFailure, isPermanentSmtpError, type SmtpErrorFacts } from '../domain/delivery-retry.js';
import type { ServiceContext } from '../services/context.js';
import { claimRow, findDueRows, markRowFailedAttempt, markRowSent } from '../store/repositories/lifecycle.js';
import { createMailTransport, type MailTransport, type MailTransportOptions } from './transport.js';

export interface MailDeliveryOptions {
  /** Messages looked at per run; the rest wait for the next run, seconds later. */
  batchSize?: number;
  /** A transport to use instead of the configured one (tests inject faults through it). */
  transport?: MailTransport;
  transportOptions?: MailTransportOptions;
}

export interface MailDeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
  /** The server could not be reached: the run stopped, the queue waits for the next one. */
  stoppedByConnectionFailure: boolean;
}

const DEFAULT_BATCH = 100;

/**
 * The `mail-delivery` job: sends due outbox messages one by one. Each is claimed first (so no other
 * run sends it), then marked sent, or rescheduled with exponential back-off, or failed for good
 * after a permanent SMTP refusal or too many tries. A crash mid-send leaves the claim to expire
 * and the message is tried again: delivery is at least once, with a stable Message-ID.
 */
export async function deliverMail(ctx: ServiceContext, options: MailDeliveryOptions = {}): Promise<MailDeliveryReport> {
  const db = ctx.database.db;
  const report: MailDeliveryReport = { sent: 0, retrying: 0, failed: 0, stoppedByConnectionFailure: false };
  const due = await findDueRows(db, 'mail_outbox', ctx.clock.now().toISOString(), options.batchSize ?? DEFAULT_BATCH);
  if (due.length === 0) return report;
  const transport = options.transport ?? createMailTransport(ctx.config, options.transportOptions);
  try {
    for (const row of due) {
      const now = ctx.clock.now();
      if (!(await claimRow(db, 'mail_outbox', row.id, now.toISOString(), new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString()))) continue;
      const attempts = row.attempts + 1;
      try {
        await transport.send({ id: row.id, to: row.recipient, subject: row.subject, text: row.text_body, html: row.html_body, messageId: row.message_id, date: now });
        await markRowSent(db, 'mail_outbox', row.id, attempts, ctx.clock.now().toISOString());
        report.sent += 1;
      } catch (error) {
        const facts = error as SmtpErrorFacts;
        const verdict = afterFailure(attempts, isPermanentSmtpError(facts), ctx.clock.now());
        await markRowFailedAttempt(db, 'mail_outbox', row.id, {
          attempts,
          error: describeError(error),
          retryAt: verdict.kind === 'retry' ? verdict.at : null,
          now: ctx.clock.now().toISOString(),
        });
        if (verdict.kind === 'retry') report.retrying += 1;
        else report.failed += 1;
        // Every other message would meet the same closed door; they wait for the next run.
        if (isConnectionFailure(facts)) {
          report.stoppedByConnectionFailure = true;
          break;
        }
      }
    }
  } finally {
    transport.close();
  }
  return report;
}
