import { deliverMail, type MailDeliveryOptions } from '../mail/delivery.js';
import type { ServiceContext } from '../services/context.js';
import { runExpiringTokens, type ExpiringTokensOptions } from '../services/expiring-tokens.js';
import { revokeReportedTokens } from '../services/leak-revocation.js';
import { endRotationGraces } from '../services/rotation-grace.js';
import { cleanUpSessions } from '../services/sessions.js';
import { runTokenRetention, type RetentionOptions } from '../services/token-retention.js';
import { deliverWebhooks, type WebhookDeliveryOptions } from '../services/webhooks.js';
import { withJobLock } from './lock.js';

export const JOB_NAMES = ['expiring-tokens', 'inactive-token-retention', 'mail-delivery', 'webhook-delivery', 'session-cleanup', 'leak-revocation', 'rotation-grace'] as const;
export type JobName = (typeof JOB_NAMES)[number];


/** Knobs of each job, for tests (fault injection, short time-outs) and the console. */
export interface JobOptions {
  expiringTokens?: ExpiringTokensOptions;
  retention?: RetentionOptions;
  mail?: MailDeliveryOptions;
  webhooks?: WebhookDeliveryOptions;
}

export interface JobDefinition {
  /** croner pattern, evaluated in UTC (seconds first when there are six fields). */
  schedule: string;
  description: string;
  run(ctx: ServiceContext, options: JobOptions): Promise<object>;
}

/** Every scheduled job: when it runs and what it calls. */
export const JOBS: Record<JobName, JobDefinition> = {
  'expiring-tokens': {
    schedule: '0 1 * * *',
    description: 'Expiry notices (60/30/7 days, expired) by email and webhook, daily at 01:00 UTC',
    run: (ctx, options) => runExpiringTokens(ctx, options.expiringTokens),
  },
  'inactive-token-retention': {
    schedule: '0 0 * * *',
    description: 'Removes bots whose tokens all became inactive more than N days ago, daily at 00:00 UTC',
    run: (ctx, options) => runTokenRetention(ctx, options.retention),
  },
  'mail-delivery': {
    schedule: '*/5 * * * * *',
    description: 'Sends queued emails, with retries, every 5 seconds',
    run: (ctx, options) => deliverMail(ctx, options.mail),
  },
  'webhook-delivery': {
    schedule: '*/5 * * * * *',
    description: 'Posts queued webhook events, with retries, every 5 seconds',
    run: (ctx, options) => deliverWebhooks(ctx, options.webhooks),
  },
  'session-cleanup': {
    schedule: '30 0 * * *',
    description: 'Removes expired web sessions and failed sign-ins older than the throttle window, daily at 00:30 UTC',
    run: (ctx) => cleanUpSessions(ctx),
  },
  'leak-revocation': {
    schedule: '* * * * * *',
    description: 'Revokes tokens reported by POST /credentials/revoke (within 5 seconds), every second',
    run: (ctx) => revokeReportedTokens(ctx),
  },
  'rotation-grace': {
    schedule: '*/5 * * * * *',
    description: "Revokes rotated tokens whose overlap window ended (Tollgate's own), every 5 seconds",
    run: (ctx) => endRotationGraces(ctx),
  },
};

export type JobRun = { job: JobName; ran: true; report: object } | { job: JobName; ran: false; reason: string };

/** One run of a job, on this instance only if no other instance is running it right now. */
export async function runJob(name: JobName, ctx: ServiceContext, options: JobOptions = {}): Promise<JobRun> {
  const outcome = await withJobLock(ctx.database, name, () => JOBS[name].run(ctx, options));
  return outcome.ran ? { job: name, ran: true, report: outcome.value } : { job: name, ran: false, reason: 'another run of this job holds its lock' };
}
