import { Kysely, PostgresDialect, SqliteDialect, type Dialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, POSTGRES_URL, type TestDatabase } from '../../../test/support/databases.js';
import type { Schema } from '../schema.js';
import { findTokens, revokeTokensPastRotationGrace } from './tokens.js';

type RunQueries = (db: Kysely<Schema>) => Promise<unknown>;

/** The statements `run` issues through `dialect`, in order, with their parameters. */
async function statementsOf(dialect: Dialect, run: RunQueries): Promise<{ sql: string; parameters: readonly unknown[] }[]> {
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  await run(new Kysely<Schema>({ dialect, log: (event) => void statements.push(event.query) }));
  return statements;
}

const groupCountActive: RunQueries = (db) =>
  findTokens(db, { botsOf: { sourceType: 'group', id: 1 }, state: 'active' }, { page: 1, perPage: 20 }, new Date('2026-12-06T08:00:00Z'), 10_001);

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
  async function plansOf(run: RunQueries): Promise<string[][]> {
    const sqlite = testDatabase.database.sqlite!;
    const statements = await statementsOf(new SqliteDialect({ database: sqlite }), run);
    return statements.map(({ sql, parameters }) => [
      sql,
      ...(sqlite.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail),
    ]);
  }

  it('the rotation-grace sweep (every 5 s) starts from the tokens in a window, not from every active token', async () => {
    const [select] = await plansOf((db) => revokeTokensPastRotationGrace(db, '2026-12-06T08:00:00.000Z', 100));
    expect(select).toEqual([expect.any(String), expect.stringContaining('USING INDEX pat_rotation_grace_ends_at')]);
  });

  it("a group's token count (up to 10,001 of them on every list) walks its bots' memberships to their tokens, from indexes alone, not every token", async () => {
    const plans = await plansOf(groupCountActive);
    const [, ...count] = plans.find(([sql]) => sql!.startsWith('select count(*)') && sql!.includes('personal_access_tokens'))!;
    expect(count.filter((step) => step.startsWith('SEARCH') || step.startsWith('SCAN'))).toEqual([
      expect.stringMatching(/^SEARCH members USING COVERING INDEX members_source_bot_user \(source_type=\? AND source_id=\? AND bot=\?\)/),
      expect.stringMatching(/^SEARCH personal_access_tokens USING COVERING INDEX pat_user_state /),
      expect.stringMatching(/^SCAN/),
    ]);
  });
});

/**
 * PostgreSQL plans from statistics, so a plan's shape at 100,000 tokens is the bench's to show
 * (docs/performance.md). What a test can show is what the indexes allow: with table scans
 * priced out, whether the count can be answered without reading the tables (migrations 0014, 0015).
 */
describe.skipIf(!POSTGRES_URL)('query plans on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  beforeAll(async () => void (testDatabase = await openTestDatabase('postgres')));
  afterAll(() => testDatabase.drop());

  it("a group's token count, with state=active, reads its bots' memberships and their tokens from indexes alone, and no user", async () => {
    const pool = testDatabase.database.pool!;
    await pool.query('vacuum analyze members, users, personal_access_tokens');
    const statements = await statementsOf(new PostgresDialect({ pool }), groupCountActive);
    const count = statements.find(({ sql }) => sql.startsWith('select count(*)'))!;
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      await client.query('set local enable_bitmapscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(`explain ${count.sql}`, [...count.parameters]);
      const scans = plan.rows.map((row) => row['QUERY PLAN'].trim()).filter((step) => /Scan .* on /.test(step));
      expect(scans.map((step) => step.replace(/^->\s*/, '').replace(/\s+\(cost.*$/, '')).sort()).toEqual([
        'Index Only Scan using members_source_bot_user on members',
        'Index Only Scan using pat_user_state on personal_access_tokens',
      ]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it("the names' trigram index keeps no pending list, which every search would read to its end until a vacuum (migration 0016)", async () => {
    const { rows } = await testDatabase.database.pool!.query<{ reloptions: string[] | null }>("select reloptions from pg_class where oid = to_regclass('pat_name_trigrams')");
    expect(rows).toEqual([{ reloptions: ['fastupdate=off'] }]);
  });
});
