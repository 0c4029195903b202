import type BetterSqlite3 from 'better-sqlite3';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult, SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';

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

/** Distinct SQL texts that run as named statements on PostgreSQL; any others run unnamed. */
export const NAMED_STATEMENTS_MAX = 200;

/**
 * Statements whose good plan depends on a parameter's value: a name search's `like '%term%'` is
 * served by the trigram index only when PostgreSQL sees the term. A named statement may get one
 * generic plan after five runs, and the search's walked every token (P2 `?search=`: 7.7 → 30 ms
 * at the median in the bench); these run unnamed, planned each time.
 */
const PLANNED_BY_VALUE = /\blike\b/i;

/** PostgreSQL's answer to a named statement whose table gained or lost a column since it was prepared. */
const isStalePlan = (error: unknown) => (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

/**
 * The PostgreSQL pool as Kysely's PostgresDialect uses it, with each query run as a named
 * statement: PostgreSQL plans an unnamed statement on every run, for a token list 0.5 ms for each
 * of its two largest queries at the median and 4–5 ms at the 99th percentile (docs/performance.md),
 * and a named one once per connection. Only queries with parameters, but a name search's (see
 * PLANNED_BY_VALUE), and outside a transaction:
 * a named `select *` fails once a migration has added a column (an instance still running while
 * another upgrades), and such a query is run again unnamed, and named anew next time, which a
 * query inside a transaction could not be (the failure aborts it).
 */
export function withNamedStatements(pool: pg.Pool, max: number = NAMED_STATEMENTS_MAX): PostgresPool {
  const names = new Map<string, string>();
  let named = 0;
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined && names.size < max) names.set(text, (name = `tollgate_${(named += 1)}`));
    return name;
  };
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const withNames = (client: pg.PoolClient): PostgresPoolClient => {
    let inTransaction = false;
    const run = async (text: string, values: unknown[]) => {
      if (/^(begin|start transaction)\b/i.test(text)) inTransaction = true;
      else if (/^(commit|rollback)\b(?!\s+to\b)/i.test(text)) inTransaction = false;
      const name = values.length > 0 && !inTransaction && !PLANNED_BY_VALUE.test(text) ? nameOf(text) : undefined;
      if (name === undefined) return client.query(text, values);
      try {
        return await client.query({ name, text, values });
      } catch (error) {
        if (!isStalePlan(error)) throw error;
        names.delete(text);
        return client.query(text, values);
      }
    };
    function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(textOrCursor: string | PostgresCursor<unknown>, values?: ReadonlyArray<unknown>): unknown {
      // Kysely's stream() hands a cursor: it runs as it would without this wrapper.
      return typeof textOrCursor === 'string' ? run(textOrCursor, [...(values ?? [])]) : client.query(textOrCursor as unknown as pg.Submittable);
    }
    return {
      query,
      release: () => {
        inTransaction = false;
        client.release();
      },
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) clients.set(client, (wrapped = withNames(client)));
      return wrapped;
    },
    end: () => pool.end(),
  };
}
