import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { migrateToLatest } from '../database.js';
import { readStoredSettings } from '../repositories/settings.js';

describe.each(TEST_DIALECTS)('migration 0012: the failed-authentication ban covers Git and the registry (%s)', (dialect) => {
  let testDatabase: TestDatabase | undefined;
  afterEach(async () => {
    await testDatabase?.drop();
    testDatabase = undefined;
  });

  it("moves the stored git_auth_ban_* values to failed_auth_ban_*, and the ban's tables with their rows, to their new names", async () => {
    testDatabase = await openTestDatabase(dialect, { migrate: '0011_leak_reports' });
    const { database } = testDatabase;
    const old = database.db as unknown as Kysely<any>;
    await old
      .insertInto('settings')
      .values([
        { key: 'git_auth_ban_enabled', value: 'false' },
        { key: 'git_auth_ban_max_attempts', value: '12' },
        { key: 'git_auth_ban_duration_seconds', value: '600' },
        { key: 'max_personal_access_token_lifetime', value: '90' },
      ])
      .execute();
    await old.insertInto('git_auth_failures').values({ ip: '198.51.100.1', failed_at: '2026-06-15T12:00:00.000Z' }).execute();
    await old.insertInto('git_auth_bans').values({ ip: '198.51.100.2', banned_until: '2026-06-15T13:00:00.000Z', created_at: 'x', updated_at: 'x' }).execute();

    expect(await migrateToLatest(database)).toContain('0012_failed_auth_limits');

    expect(await readStoredSettings(database.db)).toEqual({
      failed_auth_ban_enabled: false,
      failed_auth_ban_max_attempts: 12,
      failed_auth_ban_duration_seconds: 600,
      max_personal_access_token_lifetime: 90,
    });
    expect(await database.db.selectFrom('failed_authentications').select(['ip', 'failed_at']).execute()).toEqual([{ ip: '198.51.100.1', failed_at: '2026-06-15T12:00:00.000Z' }]);
    expect(await database.db.selectFrom('ip_bans').select(['ip', 'banned_until']).execute()).toEqual([{ ip: '198.51.100.2', banned_until: '2026-06-15T13:00:00.000Z' }]);
    // The renamed table still numbers its rows, and the counters table takes its upserts.
    await database.db.insertInto('failed_authentications').values({ ip: '198.51.100.3', failed_at: '2026-06-15T12:00:01.000Z' }).execute();
    expect(await database.db.selectFrom('rate_limit_counters').selectAll().execute()).toEqual([]);
  });
});
