import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import type { Schema } from '../schema.js';
import { revokeTokensPastRotationGrace } from './tokens.js';

/**
 * SQLite plans without statistics (none are gathered), so the form of a query decides which index
 * it walks. The jobs that run every few seconds must not walk every token: on the event loop, that
 * holds up every request (docs/performance.md).
 */
describe('query plans on SQLite', () => {
  let testDatabase: TestDatabase;
  beforeAll(async () => void (testDatabase = await openTestDatabase('sqlite')));
  afterAll(() => testDatabase.drop());

  /** SQLite's plan (`explain query plan`) of every statement `run` issues. */
  async function plansOf(run: (db: Kysely<Schema>) => Promise<unknown>): Promise<string[][]> {
    const sqlite = testDatabase.database.sqlite!;
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }), log: (event) => void statements.push(event.query) });
    await run(db);
    return statements.map(({ sql, parameters }) =>
      (sqlite.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail),
    );
  }

  it('the rotation-grace sweep (every 5 s) starts from the tokens in a window, not from every active token', async () => {
    const [select] = await plansOf((db) => revokeTokensPastRotationGrace(db, '2026-12-06T08:00:00.000Z', 100));
    expect(select).toEqual([expect.stringContaining('USING INDEX pat_rotation_grace_ends_at')]);
  });
});
