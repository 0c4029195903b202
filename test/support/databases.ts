import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Database, type Dialect } from '../../src/store/database.js';
import { migrationProvider } from '../../src/store/migrations/index.js';

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

/** Migrates `database` up to and including the migration named `last` (a migration's test starts there). */
async function migrateTo(database: Database, last: string): Promise<void> {
  const { error } = await new Migrator({ db: database.db, provider: migrationProvider, ...(database.searchPath ? { migrationTableSchema: database.searchPath } : {}) }).migrateTo(last);
  if (error) throw error;
}

async function migrate(database: Database, to: boolean | string): Promise<void> {
  if (to === true) await migrateToLatest(database);
  else if (typeof to === 'string') await migrateTo(database, to);
}

/**
 * A fresh, migrated database: a SQLite file of its own, or a PostgreSQL schema of its own.
 * `migrate: false` leaves it empty; a migration's name migrates it up to that one, for a test of
 * the migrations after it.
 */
export async function openTestDatabase(dialect: Dialect, { migrate: to = true }: { migrate?: boolean | string } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    const url = join(dir, 'test.sqlite3');
    const database = openDatabase({ url });
    await migrate(database, to);
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
    await migrate(database, to);
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
