import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { externalHost, type Config } from '../config.js';

/** One message as the transport sends it. */
export interface MailMessage {
  /** Outbox id: the `.eml` drop names files by it, so a retried message overwrites its own file. */
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  date: Date;
}

export interface MailTransport {
  kind: 'smtp' | 'eml';
  /** Where messages go, without credentials (for logs and the operator). */
  target: string;
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailTransportOptions {
  /** Connection, greeting and socket time-outs (SMTP). */
  timeoutMs?: number;
}

const DEFAULT_SMTP_TIMEOUT_MS = 30_000;
const MAIL_DROP_DIR = 'mail';

/**
 * The mailer the outbox drains into: SMTP to TOLLGATE_SMTP_URL (`smtp://` or `smtps://`, with
 * nodemailer's options as query parameters and an optional `from=` sender), or, when it is unset,
 * one `.eml` file per message under `<data dir>/mail/`, so a fresh install shows what it would send.
 */
export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'externalUrl'>, options: MailTransportOptions = {}): MailTransport {
  const defaultFrom = `Tollgate <noreply@${externalHost(config)}>`;
  const headers = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' };
  if (!config.smtpUrl) return emlTransport(join(config.dataDir, MAIL_DROP_DIR), defaultFrom, headers);

  const url = new URL(config.smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`TOLLGATE_SMTP_URL must be smtp://… or smtps://…, got ${url.protocol}`);
  const from = url.searchParams.get('from') || defaultFrom;
  url.searchParams.delete('from');
  const timeout = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  for (const key of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, String(timeout));
  }
  const mailer = nodemailer.createTransport(url.toString());
  const target = `${url.protocol}//${url.host}`;
  return {
    kind: 'smtp',
    target,
    async send(message) {
      await mailer.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, messageId: message.messageId, date: message.date, headers });
    },
    close: () => mailer.close(),
  };
}

function emlTransport(dir: string, from: string, headers: Record<string, string>): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'eml',
    target: dir,
    async send(message) {
      const info = await composer.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, messageId: message.messageId, date: message.date, headers });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${String(message.id).padStart(8, '0')}.eml`);
      // Written whole or not at all: a crash leaves no half message for the operator to read.
      writeFileSync(`${file}.tmp`, info.message as Buffer);
      renameSync(`${file}.tmp`, file);
    },
    close: () => composer.close(),
  };
}
