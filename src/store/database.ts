import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthChangeSignal } from './auth-invalidations.js';
import { migrationProvider } from './migrations/index.js';
import type { Db } from './repositories/common.js';
import type { Schema } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * One typed query builder over either dialect, plus the raw handles the hot path uses for its
 * prepared statement (better-sqlite3's `prepare`, pg's named queries).
 */
export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  /** The PostgreSQL schema this database lives in, when not the default. */
  searchPath?: string;
  sqlite?: BetterSqlite3.Database;
  /** A read-only connection to the same SQLite file (WAL lets it read while the writer writes). */
  openSqliteReader?: () => BetterSqlite3.Database;
  pool?: pg.Pool;
  /** This process's changes to tokens and users, for its authentication cache (src/store/auth-invalidations.ts). */
  authChanges: AuthChangeSignal;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; anything else is a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL schema to use (tests isolate themselves with one each). */
  searchPath?: string;
  poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openDatabase({ url, searchPath, poolSize = 10 }: DatabaseOptions): Database {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
    });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const authChanges = new AuthChangeSignal();
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), plugins: [authChanges.plugin()] });
    return { db, dialect: 'postgres', pool, authChanges, ...(searchPath ? { searchPath } : {}), close: () => db.destroy() };
  }
  if (url !== ':memory:') mkdirSync(dirname(url), { recursive: true });
  const sqlite = new BetterSqlite3(url);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const authChanges = new AuthChangeSignal();
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), plugins: [authChanges.plugin()] });
  const readers: BetterSqlite3.Database[] = [];
  const openSqliteReader =
    url === ':memory:'
      ? undefined
      : () => {
          const reader = new BetterSqlite3(url, { readonly: true });
          reader.pragma('busy_timeout = 5000');
          readers.push(reader);
          return reader;
        };
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    authChanges,
    ...(openSqliteReader ? { openSqliteReader } : {}),
    close: async () => {
      for (const reader of readers) reader.close();
      await db.destroy();
    },
  };
}

export async function migrateToLatest(database: Database): Promise<string[]> {
  // Kysely looks for its lock table in any schema; name ours (also when the URL chose it), or
  // another schema's table in the same database would be taken for it.
  const schema = database.searchPath ?? (database.dialect === 'postgres' ? await currentSchema(database) : undefined);
  const migrator = new Migrator({
    db: database.db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // Kysely's introspection calls has_schema_privilege() and pg_get_serial_sequence() on every
    // schema and table in the catalog: one that another deployment drops at that moment fails
    // the query. Migrations run in one transaction, so nothing was applied; try again.
    if (attempt < MIGRATION_ATTEMPTS && isDroppedElsewhere(error, schema)) {
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      continue;
    }
    throw error instanceof Error ? error : new Error(String(error));
  }
}

const MIGRATION_ATTEMPTS = 20;
const UNDEFINED_SCHEMA = '3F000';
const UNDEFINED_TABLE = '42P01';
// A column dropped or added meanwhile: `column "sent_at" of relation "mail_outbox" does not exist`.
const UNDEFINED_COLUMN = '42703';

function isDroppedElsewhere(error: unknown, ours: string | undefined): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== UNDEFINED_SCHEMA && code !== UNDEFINED_TABLE && code !== UNDEFINED_COLUMN) return false;
  return ours === undefined || !String(message).includes(`"${ours}`);
}

async function currentSchema(database: Database): Promise<string | undefined> {
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return result.rows[0]?.schema;
}

export async function isDatabaseReachable(database: Database): Promise<boolean> {
  try {
    if (database.sqlite) {
      database.sqlite.prepare('select 1').get();
    } else {
      await database.pool!.query('select 1');
    }
    return true;
  } catch {
    return false;
  }
}

/** What `transaction` takes for a refusal: a use case's failed Result ({ ok: false, … }). */
type Refusal = { ok: false };

class Rollback {
  constructor(readonly refusal: Refusal) {}
}

const isRefusal = (value: unknown): value is Refusal =>
  typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;

/**
 * Runs `work` in one transaction: committed when it returns, rolled back when it throws or returns
 * a refusal (a failed Result), so a refused request leaves nothing behind (no stray bot user,
 * membership or token) and the refusal is returned as it was. Inside `work`, every query must use
 * the transaction it is given: on SQLite the connection is held until the transaction ends.
 */
export async function transaction<T>(database: Database, work: (trx: Db) => Promise<T>): Promise<T> {
  const authChangesBefore = database.authChanges.count;
  try {
    const committed = await database.db.transaction().execute(async (trx) => {
      const result = await work(trx);
      if (isRefusal(result)) throw new Rollback(result);
      return result;
    });
    if (database.authChanges.count !== authChangesBefore) database.authChanges.emit();
    return committed;
  } catch (error) {
    if (error instanceof Rollback) return error.refusal as T;
    throw error;
  }
}

/** The advisory-lock class of Tollgate's jobs ("toll"); the job and the schema make the object id. */
const JOB_LOCK_CLASS = 0x746f6c6c;
const LOCK_SQL = 'select pg_try_advisory_lock($1, hashtext(current_schema() || $2)) as locked';
const UNLOCK_SQL = 'select pg_advisory_unlock($1, hashtext(current_schema() || $2))';

/**
 * PostgreSQL only: a session advisory lock named `key` (per schema, so deployments sharing a
 * database do not block each other), held on a connection of its own until `release`, and released
 * with that connection even if the process dies. Null when another session holds it.
 */
export async function tryAdvisoryLock(database: Database, key: string): Promise<{ release(): Promise<void> } | null> {
  if (!database.pool) throw new Error('advisory locks need PostgreSQL');
  const client = await database.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(LOCK_SQL, [JOB_LOCK_CLASS, `:${key}`]);
    if (!rows[0]?.locked) {
      client.release();
      return null;
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    release: async () => {
      let broken = false;
      await client.query(UNLOCK_SQL, [JOB_LOCK_CLASS, `:${key}`]).catch(() => {
        // The session is unusable; discarding it releases the lock.
        broken = true;
      });
      client.release(broken);
    },
  };
}
