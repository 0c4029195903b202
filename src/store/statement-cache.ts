import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Distinct SQL texts kept prepared: every query Tollgate writes, with room for `in (…)` lists of many lengths. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The SQLite connection as Kysely's SqliteDialect uses it, with `prepare` answered from a bounded
 * cache of statements by SQL text: Kysely prepares every query it runs, and preparing was 8% of
 * the CPU under load. better-sqlite3 statements are reusable and re-prepared by SQLite itself after
 * a schema change; closing the connection finalizes them all.
 */
export function withStatementCache(connection: BetterSqlite3.Database, max: number = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({ max });
  return {
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached === undefined) {
        const statement = connection.prepare(sql);
        statements.set(sql, statement);
        return statement;
      }
      // A statement still being iterated (Kysely's `stream()`) cannot run again until it ends:
      // the same query meanwhile gets a statement of its own.
      return cached.busy ? connection.prepare(sql) : cached;
    },
    close() {
      statements.clear();
      connection.close();
    },
  };
}
