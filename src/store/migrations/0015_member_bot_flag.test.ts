import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { migrateToLatest } from '../database.js';

describe.each(TEST_DIALECTS)('migration 0015: a membership says whether its member is a bot (%s)', (dialect) => {
  let testDatabase: TestDatabase | undefined;
  afterEach(async () => {
    await testDatabase?.drop();
    testDatabase = undefined;
  });

  it("flags the stored memberships of bot users, and only theirs, so that a resource's bots stay the bot users among its direct members (§9 #13)", async () => {
    testDatabase = await openTestDatabase(dialect, { migrate: '0014_token_count_indexes' });
    const { database } = testDatabase;
    const old = database.db as unknown as Kysely<any>;
    const at = '2026-12-06T08:00:00.000Z';
    const user = (username: string, user_type: string, bot_namespace_id: number | null) =>
      old
        .insertInto('users')
        .values({ username, email: `${username}@example.com`, name: username, state: 'active', is_admin: 0, external: 0, user_type, bot_namespace_id, created_at: at, updated_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
    const { id: groupId } = await old
      .insertInto('groups')
      .values({ name: 'Platform', path: 'platform', full_path: 'platform', parent_id: null, traversal: '1', created_at: at, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    const owner = await user('ada', 'human', null);
    const bot = await user(`group_${groupId}_bot_0123456789abcdef0123456789abcdef`, 'project_bot', groupId);
    const member = (userId: number, access_level: number) => ({ user_id: userId, source_type: 'group', source_id: groupId, access_level, expires_at: null, created_by_id: owner.id, created_at: at, updated_at: at });
    await old.insertInto('members').values([member(owner.id, 50), member(bot.id, 40)]).execute();

    expect(await migrateToLatest(database)).toContain('0015_member_bot_flag');

    const flags = await database.db.selectFrom('members').select(['user_id', 'bot']).orderBy('user_id').execute();
    expect(flags).toEqual([
      { user_id: owner.id, bot: 0 },
      { user_id: bot.id, bot: 1 },
    ]);
    // PostgreSQL plans the lists from what it knows of the new column at once, not after autovacuum.
    if (dialect === 'postgres') {
      const { rows } = await database.pool!.query("select count(*)::int as n from pg_stats where schemaname = current_schema() and tablename = 'members' and attname = 'bot'");
      expect(rows).toEqual([{ n: 1 }]);
    }
  });
});
