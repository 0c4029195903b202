import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_CLAIM_MS, MAX_DELIVERY_ATTEMPTS } from '../../src/domain/delivery-retry.js';
import { runJob } from '../../src/jobs/registry.js';
import { deliverMail } from '../../src/mail/delivery.js';
import { enqueueMail } from '../../src/mail/outbox.js';
import type { ServiceContext } from '../../src/services/context.js';
import { claimRow } from '../../src/store/repositories/lifecycle.js';
import '../../src/store/schema-lifecycle.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeUser, setRole } from '../support/factories.js';
import { client, createHarness, type Harness } from '../support/harness.js';
import { makeGroupToken } from '../support/lifecycle-factories.js';
import { freePort } from '../support/server.js';
import { parseHeaders, startFaultySmtp, startSmtpPeer } from './peers.js';

const HOUR_MS = 3_600_000;

describe.each(TEST_DIALECTS)('mail-delivery job (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T01:00:00.000Z' });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    // Each test looks at its own messages only.
    await h.ctx.database.db.deleteFrom('mail_outbox').execute();
  });

  const withSmtp = (url: string | null, config: Partial<ServiceContext['config']> = {}): ServiceContext => ({ ...h.ctx, config: { ...h.ctx.config, smtpUrl: url, ...config } });
  const rows = () => h.ctx.database.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
  const queue = (recipient: string, subject = 'Hello') =>
    enqueueMail(h.ctx.database.db, { recipient, subject, text: `Plain ${subject}`, html: `<p>HTML ${subject}</p>` }, h.clock.now().toISOString(), 'tollgate.test');

  /** Two owners of a group with a token due: the expiring-tokens job queues one email each. */
  async function noticesForTwoOwners(): Promise<string[]> {
    const owners = [await makeUser(h), await makeUser(h)];
    const group = await makeGroup(h, owners[0]!);
    await setRole(h, { group }, owners[1]!, AccessLevel.OWNER);
    await makeGroupToken(h, group, { expiresAt: '2026-06-20' });
    await runJob('expiring-tokens', h.ctx);
    return owners.map((o) => o.email);
  }

  it('delivers each queued email over SMTP, with plain text and HTML parts and a stable Message-ID', async () => {
    const peer = await startSmtpPeer();
    try {
      const recipients = await noticesForTwoOwners();
      const report = await runJob('mail-delivery', withSmtp(peer.url));
      expect(report).toMatchObject({ ran: true, report: { sent: 2, retrying: 0, failed: 0 } });
      expect(peer.received.map((m) => m.to[0]).sort()).toEqual([...recipients].sort());
      const mail = peer.received[0]!;
      expect(mail.header('subject')).toMatch(/^Your resource access tokens will expire in 7 days or less/);
      expect(mail.header('content-type')).toMatch(/^multipart\/alternative/);
      expect(mail.raw).toContain('Content-Type: text/plain');
      expect(mail.raw).toContain('Content-Type: text/html');
      const stored = await rows();
      expect(stored.map((r) => r.message_id).sort()).toEqual(peer.received.map((m) => m.header('message-id')).sort());
      expect(stored.every((r) => r.status === 'sent' && r.attempts === 1 && r.sent_at === h.clock.now().toISOString())).toBe(true);
      // Nothing is sent again.
      await runJob('mail-delivery', withSmtp(peer.url));
      expect(peer.received).toHaveLength(2);
    } finally {
      await peer.close();
    }
  });

  it('SMTP down for three runs, then up: every notice arrives exactly once', async () => {
    const port = await freePort();
    const ctx = withSmtp(`smtp://127.0.0.1:${port}`);
    const recipients = await noticesForTwoOwners();
    for (let run = 0; run < 3; run += 1) {
      const result = await runJob('mail-delivery', ctx);
      expect(result).toMatchObject({ ran: true, report: { sent: 0, stoppedByConnectionFailure: true } });
      h.clock.advance(HOUR_MS);
    }
    expect((await rows()).every((r) => r.status === 'queued' && r.last_error?.includes('ECONNREFUSED'))).toBe(true);
    const peer = await startSmtpPeer(port);
    try {
      await runJob('mail-delivery', ctx);
      await runJob('mail-delivery', ctx);
      h.clock.advance(HOUR_MS);
      await runJob('mail-delivery', ctx);
      expect(peer.received.map((m) => m.to[0]).sort()).toEqual([...recipients].sort());
      expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent']);
    } finally {
      await peer.close();
    }
  });

  it('a 4xx answer is retried with exponential back-off, then delivered once', async () => {
    const peer = await startSmtpPeer();
    try {
      const ctx = withSmtp(peer.url);
      await queue('busy@example.com');
      peer.tempFailNext = 2;
      expect(await runJob('mail-delivery', ctx)).toMatchObject({ report: { retrying: 1 } });
      const [first] = await rows();
      expect(first!.last_error).toMatch(/451/);
      expect(first!.next_attempt_at).toBe(new Date(h.clock.now().getTime() + 60_000).toISOString());
      // Not due yet: nothing happens.
      expect(await runJob('mail-delivery', ctx)).toMatchObject({ report: { sent: 0, retrying: 0 } });
      h.clock.advance(60_000);
      await runJob('mail-delivery', ctx);
      expect((await rows())[0]!.next_attempt_at).toBe(new Date(h.clock.now().getTime() + 120_000).toISOString());
      h.clock.advance(120_000);
      await runJob('mail-delivery', ctx);
      expect(peer.received).toHaveLength(1);
      expect(await rows()).toMatchObject([{ status: 'sent', attempts: 3 }]);
    } finally {
      await peer.close();
    }
  });

  it('a recipient the server refuses (550) fails at once and is reported; the other messages still go', async () => {
    const peer = await startSmtpPeer();
    peer.rejectRecipient = (address) => address === 'nobody@example.com';
    try {
      await queue('nobody@example.com');
      await queue('someone@example.com');
      await enqueueMail(h.ctx.database.db, { recipient: 'not an address', subject: 'x', text: 'x', html: 'x' }, h.clock.now().toISOString(), 'tollgate.test');
      expect(await runJob('mail-delivery', withSmtp(peer.url))).toMatchObject({ report: { sent: 1, failed: 2 } });
      const [refused, delivered, invalid] = await rows();
      expect(refused).toMatchObject({ status: 'failed', attempts: 1 });
      expect(refused!.last_error).toMatch(/550/);
      expect(delivered!.status).toBe('sent');
      expect(invalid).toMatchObject({ status: 'failed', attempts: 1 });
      expect(invalid!.last_error).toMatch(/EENVELOPE/);
      expect(peer.received.map((m) => m.to)).toEqual([['someone@example.com']]);
    } finally {
      await peer.close();
    }
  });

  it('a server that closes mid-message or never answers: the message is retried, then delivered once', async () => {
    await queue('patient@example.com');
    for (const mode of ['close-mid-message', 'silent'] as const) {
      const faulty = await startFaultySmtp(mode);
      try {
        const result = await deliverMail(withSmtp(faulty.url), { transportOptions: { timeoutMs: 300 } });
        expect(result).toMatchObject({ sent: 0, retrying: 1, stoppedByConnectionFailure: true });
      } finally {
        await faulty.close();
      }
      h.clock.advance(HOUR_MS);
    }
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'queued', attempts: 2 });
    expect(row!.last_error).toMatch(/ETIMEDOUT|Greeting/i);
    const peer = await startSmtpPeer();
    try {
      await runJob('mail-delivery', withSmtp(peer.url));
      await runJob('mail-delivery', withSmtp(peer.url));
      expect(peer.received).toHaveLength(1);
      expect(await rows()).toMatchObject([{ status: 'sent', attempts: 3 }]);
    } finally {
      await peer.close();
    }
  });

  it(`after ${MAX_DELIVERY_ATTEMPTS} failed attempts the message fails for good, with its last error`, async () => {
    const ctx = withSmtp(`smtp://127.0.0.1:${await freePort()}`);
    await queue('gone@example.com');
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS + 2; attempt += 1) {
      await runJob('mail-delivery', ctx);
      h.clock.advance(5 * HOUR_MS);
    }
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'failed', attempts: MAX_DELIVERY_ATTEMPTS });
    expect(row!.last_error).toMatch(/ECONNREFUSED/);
  });

  it('a crash after a message was taken for sending: it is sent once the claim lapses, not before', async () => {
    const peer = await startSmtpPeer();
    try {
      const message = await queue('claimed@example.com');
      const now = h.clock.now();
      expect(await claimRow(h.ctx.database.db, 'mail_outbox', message.id, now.toISOString(), new Date(now.getTime() + DELIVERY_CLAIM_MS).toISOString())).toBe(true);
      // The run that claimed it died here. The next runs leave it alone while the claim holds…
      await runJob('mail-delivery', withSmtp(peer.url));
      expect(peer.received).toHaveLength(0);
      h.clock.advance(DELIVERY_CLAIM_MS);
      await runJob('mail-delivery', withSmtp(peer.url));
      await runJob('mail-delivery', withSmtp(peer.url));
      expect(peer.received).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });

  it('without TOLLGATE_SMTP_URL each message is written as an .eml file under <data dir>/mail/', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-mail-'));
    try {
      await noticesForTwoOwners();
      const report = await runJob('mail-delivery', withSmtp(null, { dataDir }));
      expect(report).toMatchObject({ report: { sent: 2 } });
      const files = readdirSync(join(dataDir, 'mail')).sort();
      expect(files).toHaveLength(2);
      expect(files.every((f) => /^\d{8}\.eml$/.test(f))).toBe(true);
      const eml = readFileSync(join(dataDir, 'mail', files[0]!), 'utf8');
      const headers = parseHeaders(eml);
      expect(headers.get('subject')).toMatch(/^Your resource access tokens will expire in 7 days or less/);
      expect(headers.get('from')).toBe('Tollgate <noreply@tollgate.test>');
      expect(eml).toContain('Content-Type: text/plain');
      expect(eml).toContain('Content-Type: text/html');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('GET /admin/mail_queue shows administrators the queued, sent and failed counts and the last error', async () => {
    const peer = await startSmtpPeer();
    peer.rejectRecipient = (address) => address.startsWith('bounce');
    try {
      await queue('ok@example.com');
      await queue('bounce@example.com');
      await runJob('mail-delivery', withSmtp(peer.url));
      await queue('later@example.com');
      const admin = await makePat(h, h.root);
      const res = await client(h, admin.token).get('/api/v4/admin/mail_queue');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ queued: 1, sent: 1, failed: 1, last_error_at: h.clock.now().toISOString(), transport: 'eml' });
      expect(res.json().last_error).toMatch(/550 .*bounce@example\.com/);

      const user = await makeUser(h);
      expect((await client(h, (await makePat(h, user)).token).get('/api/v4/admin/mail_queue')).statusCode).toBe(403);
      expect((await client(h).get('/api/v4/admin/mail_queue')).statusCode).toBe(401);
    } finally {
      await peer.close();
    }
  });
});
