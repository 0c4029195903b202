import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { openDatabase } from '../store/database.js';
import { clearFailedAuthentications, isIpBanned, recordFailedAuthentication } from './failed-auth-ban.js';
import { updateSettings } from './settings.js';
import type { ServiceContext } from './context.js';

const failTimes = async (ctx: ServiceContext, ip: string, times: number) => {
  const banned: boolean[] = [];
  for (let i = 0; i < times; i++) banned.push(await recordFailedAuthentication(ctx, ip));
  return banned;
};

describe.each(TEST_DIALECTS)('failed authentication ban, Git and the registry (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:00.000Z' });
  });
  afterAll(() => h.close());

  it('§3.5 the 30th failure within the window bans the IP until an hour later', async () => {
    const ip = '198.51.100.1';
    const banned = await failTimes(h.ctx, ip, 30);
    expect(banned.indexOf(true)).toBe(29);
    expect(await isIpBanned(h.ctx, ip)).toBe(true);
    expect(await isIpBanned(h.ctx, '198.51.100.2')).toBe(false);
    h.clock.advance(3600 * 1000 - 1);
    expect(await isIpBanned(h.ctx, ip)).toBe(true);
    h.clock.advance(1);
    expect(await isIpBanned(h.ctx, ip)).toBe(false);
    // The ban consumed the count: the IP starts afresh.
    expect((await failTimes(h.ctx, ip, 29)).includes(true)).toBe(false);
    await clearFailedAuthentications(h.ctx, ip);
  });

  it('only failures within the find time count, and old ones are pruned', async () => {
    const ip = '198.51.100.3';
    await failTimes(h.ctx, ip, 29);
    h.clock.advance(180 * 1000);
    expect(await recordFailedAuthentication(h.ctx, ip)).toBe(false);
    const rows = await h.ctx.database.db.selectFrom('failed_authentications').selectAll().where('ip', '=', ip).execute();
    expect(rows).toHaveLength(1);
  });

  it('a success clears the count of its own IP only', async () => {
    const [a, b] = ['198.51.100.4', '198.51.100.5'];
    await failTimes(h.ctx, a, 29);
    await failTimes(h.ctx, b, 29);
    await clearFailedAuthentications(h.ctx, a);
    expect(await recordFailedAuthentication(h.ctx, a)).toBe(false);
    expect(await recordFailedAuthentication(h.ctx, b)).toBe(true);
  });

  it('follows the settings: attempts, window, duration, and off', async () => {
    await updateSettings(h.ctx, { failed_auth_ban_max_attempts: 2, failed_auth_ban_find_time_seconds: 10, failed_auth_ban_duration_seconds: 5 });
    const ip = '198.51.100.6';
    expect(await failTimes(h.ctx, ip, 2)).toEqual([false, true]);
    h.clock.advance(5000);
    expect(await isIpBanned(h.ctx, ip)).toBe(false);
    await recordFailedAuthentication(h.ctx, ip);
    h.clock.advance(11_000);
    expect(await recordFailedAuthentication(h.ctx, ip)).toBe(false);
    await updateSettings(h.ctx, { failed_auth_ban_enabled: false });
    expect(await failTimes(h.ctx, ip, 10)).not.toContain(true);
    expect(await isIpBanned(h.ctx, ip)).toBe(false);
    await updateSettings(h.ctx, { failed_auth_ban_enabled: true, failed_auth_ban_max_attempts: 30, failed_auth_ban_find_time_seconds: 180, failed_auth_ban_duration_seconds: 3600 });
  });

  it('the ban lives in the database: a new process (a fresh connection, nothing in memory) still sees it', async () => {
    const ip = '198.51.100.7';
    await failTimes(h.ctx, ip, 30);
    const { url, searchPath } = h.testDatabase;
    const restarted = openDatabase({ url, ...(searchPath ? { searchPath } : {}) });
    try {
      expect(await isIpBanned({ ...h.ctx, database: restarted }, ip)).toBe(true);
    } finally {
      await restarted.close();
    }
  });
});
