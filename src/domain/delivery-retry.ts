/**
 * Retry policy of the outboxes (email and webhooks): exponential back-off from one minute, capped
 * at four hours, and a permanent failure after MAX_DELIVERY_ATTEMPTS tries, about eight hours of
 * trying in all, so a night-long outage of the mail server still loses nothing.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;
const FIRST_RETRY_DELAY_MS = 60_000;
export const MAX_RETRY_DELAY_MS = 4 * 60 * 60_000;
/** How long a delivery in progress holds its row; a crashed one is retried after that. */
export const DELIVERY_CLAIM_MS = 5 * 60_000;

/** Delay before the next try, after `attempts` failed tries (1, 2, …). */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_DELAY_MS);
}

export type FailureVerdict = { kind: 'retry'; at: string } | { kind: 'failed' };

/** What happens after a failed try: retry later, or give up (permanent error or too many tries). */
export function afterFailure(attempts: number, permanent: boolean, now: Date): FailureVerdict {
  if (permanent || attempts >= MAX_DELIVERY_ATTEMPTS) return { kind: 'failed' };
  return { kind: 'retry', at: new Date(now.getTime() + retryDelayMs(attempts)).toISOString() };
}

/** The parts of a nodemailer error that decide between retrying and giving up. */
export interface SmtpErrorFacts {
  code?: string | undefined;
  responseCode?: number | undefined;
}

/**
 * SMTP's own rule: a 5xx reply is permanent (an unknown or invalid mailbox), a 4xx reply is
 * temporary, and an envelope nodemailer cannot even build (no valid recipient) will never work.
 * Connection failures, time-outs and a server closing mid-message are worth retrying.
 */
export function isPermanentSmtpError(error: SmtpErrorFacts): boolean {
  if (error.responseCode !== undefined && error.responseCode >= 500 && error.responseCode < 600) return error.code !== 'EAUTH';
  return error.code === 'EENVELOPE' && error.responseCode === undefined;
}

/** A failure of the connection rather than of one message: the rest of the queue waits for the next run. */
export function isConnectionFailure(error: SmtpErrorFacts): boolean {
  return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'EAUTH', 'ETLS', 'EPROXY'].includes(error.code ?? '');
}

const MAX_ERROR_LENGTH = 1000;

/** The error as the outbox records it: code and message, bounded. */
export function describeError(error: unknown): string {
  const facts = error as SmtpErrorFacts & { message?: string };
  const text = [facts.code, facts.message ?? String(error)].filter(Boolean).join(': ');
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
