import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../../src/store/database.js';
import { collecting, noteSink } from './collector.js';

/** The tables whose rows leave the database (the audit log's readers, mail, webhooks): each a sink. */
const STORED_SINKS = { audit_events: 'audit event', mail_outbox: 'email (outbox)', webhook_deliveries: 'webhook payload (deliveries)' } as const;

/** A message as its reader gets it: the raw MIME (headers included) and its decoded subject and bodies. */
export async function mailText(raw: string): Promise<string> {
  // Loaded on first use: most test files never see an email.
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(raw);
  return [raw, mail.subject, mail.text, typeof mail.html === 'string' ? mail.html : ''].join('\n');
}

/**
 * What an instance kept that others will read: its audit events, outbox and webhook deliveries,
 * and the `.eml` files of its mail drop. Read before the database and the data directory go.
 */
export async function collectStored(database: Database, dataDir: string, where: string): Promise<void> {
  if (!collecting()) return;
  for (const [table, sink] of Object.entries(STORED_SINKS)) {
    // An instance that never got as far as its migrations has none of these tables: nothing to read.
    const rows = await database.db
      .selectFrom(table as keyof typeof STORED_SINKS)
      .selectAll()
      .execute()
      .catch(() => []);
    noteSink(sink, `${where}, ${table}`, rows.map((row) => Object.values(row).join('\n')).join('\n'));
  }
  const drop = join(dataDir, 'mail');
  if (!existsSync(drop)) return;
  for (const file of readdirSync(drop).filter((name) => name.endsWith('.eml'))) {
    const raw = readFileSync(join(drop, file), 'utf8');
    noteSink('email (mail drop)', `${where}, ${file}`, () => mailText(raw));
  }
}
