import { Command } from 'commander';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerJobCommands } from '../../src/cli/jobs.js';
import { JOB_NAMES } from '../../src/jobs/registry.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { enqueueMail } from '../../src/mail/outbox.js';
import '../../src/store/schema-lifecycle.js';
import { POSTGRES_URL, TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makeUser } from '../support/factories.js';
import { createHarness, TEST_ROOT_PASSWORD, TEST_SECRET, type Harness } from '../support/harness.js';
import { makeGroupToken } from '../support/lifecycle-factories.js';
import { startSmtpPeer } from './peers.js';

const silent = { info: () => {}, debug: () => {}, error: () => {} };

describe.each(TEST_DIALECTS)('scheduler and console (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:00.000Z' });
  });
  afterAll(() => h.close());

  it('schedules in UTC: expiring-tokens at 01:00, inactive-token-retention at 00:00, the deliveries every few seconds', async () => {
    // In a process whose local time is not UTC (Node reads TZ again when it is set), or a
    // scheduler on local time would pass on a machine that keeps UTC.
    const localZone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    const scheduler = startScheduler(h.ctx, silent);
    try {
      const next = scheduler.nextRuns();
      expect(next['expiring-tokens']!.toISOString()).toMatch(/T01:00:00\.000Z$/);
      expect(next['inactive-token-retention']!.toISOString()).toMatch(/T00:00:00\.000Z$/);
      for (const job of ['mail-delivery', 'webhook-delivery'] as const) {
        expect(next[job]!.getTime() - Date.now()).toBeLessThanOrEqual(5_000);
      }
    } finally {
      await scheduler.stop();
      if (localZone === undefined) delete process.env.TZ;
      else process.env.TZ = localZone;
    }
  });

  it('inside the server, mail-delivery drains the outbox by itself', async () => {
    const peer = await startSmtpPeer();
    const logged: object[] = [];
    const scheduler = startScheduler({ ...h.ctx, config: { ...h.ctx.config, smtpUrl: peer.url } }, { ...silent, info: (object) => logged.push(object) });
    try {
      await enqueueMail(h.ctx.database.db, { recipient: 'scheduled@example.com', subject: 'On time', text: 'x', html: '<p>x</p>' }, h.clock.now().toISOString(), 'tollgate.test');
      await vi.waitFor(() => expect(peer.received.map((m) => m.to)).toEqual([['scheduled@example.com']]), { timeout: 15_000, interval: 200 });
      // The run logs its report once it has finished, a moment after the SMTP peer has the message.
      await vi.waitFor(() => expect(logged).toContainEqual(expect.objectContaining({ job: 'mail-delivery', report: expect.objectContaining({ sent: 1 }) })), {
        timeout: 5_000,
        interval: 50,
      });
    } finally {
      await scheduler.stop();
      await peer.close();
    }
  });

  it('`tollgate jobs run <name> --now <time>` runs one job as of that time; the .eml drop shows what a fresh install would send', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
    const saved = { ...process.env };
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const owner = await makeUser(h);
      const group = await makeGroup(h, owner);
      await makeGroupToken(h, group, { expiresAt: '2026-08-01', name: 'cli-token' });
      Object.assign(process.env, {
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_DATABASE_URL: dialect === 'sqlite' ? h.testDatabase.url : `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${h.testDatabase.searchPath}`)}`,
        TOLLGATE_SECRET: TEST_SECRET,
        TOLLGATE_INITIAL_ROOT_PASSWORD: TEST_ROOT_PASSWORD,
        TOLLGATE_EXTERNAL_URL: 'https://tollgate.example.com',
      });
      delete process.env.TOLLGATE_SMTP_URL;
      const run = async (...args: string[]) => {
        const program = new Command('tollgate').exitOverride().configureOutput({ writeErr: () => {} });
        registerJobCommands(program);
        await program.parseAsync(['node', 'tollgate', ...args]);
      };
      await run('jobs', 'run', 'expiring-tokens', '--now', '2026-06-20T01:00:00Z');
      expect(JSON.parse(printed.at(-1)!)).toMatchObject({ job: 'expiring-tokens', notices: { sixty_days: 1 }, emailsQueued: 1 });
      await run('jobs', 'run', 'mail-delivery');
      expect(JSON.parse(printed.at(-1)!)).toMatchObject({ job: 'mail-delivery', sent: 1 });
      expect(readdirSync(join(dataDir, 'mail'))).toHaveLength(1);
      await expect(run('jobs', 'run', 'nonsense')).rejects.toThrow(/Allowed choices are expiring-tokens, inactive-token-retention, mail-delivery, webhook-delivery/);
      await expect(run('jobs', 'run', 'mail-delivery', '--now', 'yesterday')).rejects.toThrow(/expected an ISO time/);
      await run('jobs', 'list');
      expect(printed.join('')).toContain('expiring-tokens\t0 1 * * *');
      expect(JOB_NAMES.every((name) => printed.join('').includes(name))).toBe(true);
    } finally {
      write.mockRestore();
      process.env = saved;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
