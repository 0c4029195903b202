import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { openDatabase } from '../store/database.js';
import { isIpBanned, recordGitAuthFailure, clearGitAuthFailures } from './git-auth-ban.js';
import { updateSettings } from './settings.js';
import type { ServiceContext } from './context.js';

const failTimes = async (ctx: ServiceContext, ip: string, times: number) => {
  const banned: boolean[] = [];
  for (let i = 0; i < times; i++) banned.push(await recordGitAuthFailure(ctx, ip));
  return banned;
};

describe.each(TEST_DIALECTS)('Git authentication ban (%s)', (dialect) => {
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
    await clearGitAuthFailures(h.ctx, ip);
  });

  it('only failures within the find time count, and old ones are pruned', async () => {
    const ip = '198.51.100.3';
    await failTimes(h.ctx, ip, 29);
    h.clock.advance(180 * 1000);
    expect(await recordGitAuthFailure(h.ctx, ip)).toBe(false);
    const rows = await h.ctx.database.db.selectFrom('git_auth_failures').selectAll().where('ip', '=', ip).execute();
    expect(rows).toHaveLength(1);
  });

  it('a success clears the count of its own IP only', async () => {
    const [a, b] = ['198.51.100.4', '198.51.100.5'];
    await failTimes(h.ctx, a, 29);
    await failTimes(h.ctx, b, 29);
    await clearGitAuthFailures(h.ctx, a);
    expect(await recordGitAuthFailure(h.ctx, a)).toBe(false);
    expect(await recordGitAuthFailure(h.ctx, b)).toBe(true);
  });

  it('follows the settings: attempts, window, duration, and off', async () => {
    await updateSettings(h.ctx, { git_auth_ban_max_attempts: 2, git_auth_ban_find_time_seconds: 10, git_auth_ban_duration_seconds: 5 });
    const ip = '198.51.100.6';
    expect(await failTimes(h.ctx, ip, 2)).toEqual([false, true]);
    h.clock.advance(5000);
    expect(await isIpBanned(h.ctx, ip)).toBe(false);
    await recordGitAuthFailure(h.ctx, ip);
    h.clock.advance(11_000);
    expect(await recordGitAuthFailure(h.ctx, ip)).toBe(false);
    await updateSettings(h.ctx, { git_auth_ban_enabled: false });
    expect(await failTimes(h.ctx, ip, 10)).not.toContain(true);
    expect(await isIpBanned(h.ctx, ip)).toBe(false);
    await updateSettings(h.ctx, { git_auth_ban_enabled: true, git_auth_ban_max_attempts: 30, git_auth_ban_find_time_seconds: 180, git_auth_ban_duration_seconds: 3600 });
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
