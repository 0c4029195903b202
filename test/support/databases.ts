import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Database, type Dialect } from '../../src/store/database.js';

/** Set by scripts/test.mjs when a PostgreSQL server answered; then every store test runs on both. */
export const POSTGRES_URL = process.env.TOLLGATE_TEST_POSTGRES_URL || null;
export const TEST_DIALECTS: Dialect[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  database: Database;
  /** For processes the test starts (the console, a server): where this database lives. */
  url: string;
  searchPath: string | null;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database: a SQLite file of its own, or a PostgreSQL schema of its own.
 * `migrate: false` leaves it empty, for a test that runs the migrations itself.
 */
export async function openTestDatabase(dialect: Dialect, { migrate = true }: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    const url = join(dir, 'test.sqlite3');
    const database = openDatabase({ url });
    if (migrate) await migrateToLatest(database);
    return {
      database,
      url,
      searchPath: null,
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!POSTGRES_URL) throw new Error('no PostgreSQL for this run');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = openDatabase({ url: POSTGRES_URL, searchPath: schema, poolSize: 5 });
  const dropSchema = async () => {
    const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
    await cleanup.connect();
    await cleanup.query(`drop schema if exists ${schema} cascade`);
    await cleanup.end();
  };
  try {
    if (migrate) await migrateToLatest(database);
  } catch (error) {
    await database.close();
    await dropSchema();
    throw error;
  }
  return {
    database,
    url: POSTGRES_URL,
    searchPath: schema,
    drop: async () => {
      await database.close();
      await dropSchema();
    },
  };
}
