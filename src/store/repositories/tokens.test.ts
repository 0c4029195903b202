import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import type { Schema } from '../schema.js';
import { findTokens, revokeTokensPastRotationGrace } from './tokens.js';

/**
 * SQLite plans without statistics (none are gathered), so the form of a query decides which index
 * it walks. The jobs that run every few seconds must not walk every token: on the event loop, that
 * holds up every request (docs/performance.md).
 */
describe('query plans on SQLite', () => {
  let testDatabase: TestDatabase;
  beforeAll(async () => void (testDatabase = await openTestDatabase('sqlite')));
  afterAll(() => testDatabase.drop());

  /** SQLite's plan (`explain query plan`) of every statement `run` issues, each with its SQL first. */
  async function plansOf(run: (db: Kysely<Schema>) => Promise<unknown>): Promise<string[][]> {
    const sqlite = testDatabase.database.sqlite!;
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }), log: (event) => void statements.push(event.query) });
    await run(db);
    return statements.map(({ sql, parameters }) => [
      sql,
      ...(sqlite.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail),
    ]);
  }

  it('the rotation-grace sweep (every 5 s) starts from the tokens in a window, not from every active token', async () => {
    const [select] = await plansOf((db) => revokeTokensPastRotationGrace(db, '2026-12-06T08:00:00.000Z', 100));
    expect(select).toEqual([expect.any(String), expect.stringContaining('USING INDEX pat_rotation_grace_ends_at')]);
  });

  it("a group's token count (up to 10,001 of them on every list) walks its members to their tokens, not every token", async () => {
    const plans = await plansOf((db) =>
      findTokens(db, { botsOf: { sourceType: 'group', id: 1 }, state: 'active' }, { page: 1, perPage: 20 }, new Date('2026-12-06T08:00:00Z'), 10_001),
    );
    const [, ...count] = plans.find(([sql]) => sql!.startsWith('select count(*)') && sql!.includes('personal_access_tokens'))!;
    expect(count.filter((step) => step.startsWith('SEARCH') || step.startsWith('SCAN'))).toEqual([
      expect.stringMatching(/^SEARCH members USING COVERING INDEX members_source_user_unique/),
      expect.stringMatching(/^SEARCH users USING INTEGER PRIMARY KEY/),
      expect.stringMatching(/^SEARCH personal_access_tokens USING INDEX pat_user /),
      expect.stringMatching(/^SCAN/),
    ]);
  });
});
