import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, transaction, type Database } from './database.js';
import { withStatementCache } from './statement-cache.js';

/** The SQL texts the real connection is asked to prepare, in order. */
function recordPrepares(connection: BetterSqlite3.Database): string[] {
  const prepared: string[] = [];
  const prepare = connection.prepare.bind(connection);
  connection.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof connection.prepare;
  return prepared;
}

const timesPrepared = (prepared: string[], text: string) => prepared.filter((p) => p === text).length;

describe('the SQLite statement cache under Kysely', () => {
  let database: Database;
  let prepared: string[];
  const open = async () => {
    database = openDatabase({ url: ':memory:' });
    prepared = recordPrepares(database.sqlite!);
    await sql`create table things (id integer primary key, name text not null)`.execute(database.db);
    await sql`insert into things (name) values ('one'), ('two')`.execute(database.db);
  };
  const things = (id: number) => sql<{ id: number; name: string }>`select * from things where id = ${id}`.execute(database.db);
  const count = async () => (await sql<{ n: number }>`select count(*) as n from things`.execute(database.db)).rows[0]!.n;
  afterEach(() => database.close());

  it('prepares a query once however often it runs, with its own parameters each time', async () => {
    await open();
    expect((await things(1)).rows).toEqual([{ id: 1, name: 'one' }]);
    expect((await things(2)).rows).toEqual([{ id: 2, name: 'two' }]);
    expect((await things(1)).rows).toEqual([{ id: 1, name: 'one' }]);
    expect(timesPrepared(prepared, 'select * from things where id = ?')).toBe(1);
  });

  it('answers a cached `select *` with the columns a migration added since', async () => {
    await open();
    expect((await things(1)).rows).toEqual([{ id: 1, name: 'one' }]);
    await database.db.schema.alterTable('things').addColumn('colour', 'text', (c) => c.notNull().defaultTo('red')).execute();
    expect((await things(1)).rows).toEqual([{ id: 1, name: 'one', colour: 'red' }]);
    expect(timesPrepared(prepared, 'select * from things where id = ?')).toBe(1);
  });

  it('commits and rolls back through transaction(), again and again', async () => {
    await open();
    for (let round = 0; round < 2; round++) {
      const before = await count();
      await transaction(database, async (trx) => {
        await sql`insert into things (name) values ('kept')`.execute(trx);
        return { ok: true };
      });
      expect(await count()).toBe(before + 1);
      const refused = await transaction(database, async (trx) => {
        await sql`insert into things (name) values ('refused')`.execute(trx);
        return { ok: false as const };
      });
      expect(refused).toEqual({ ok: false });
      await expect(
        transaction(database, async (trx) => {
          await sql`insert into things (name) values ('thrown')`.execute(trx);
          throw new Error('a bug');
        }),
      ).rejects.toThrow('a bug');
      expect(await count()).toBe(before + 1);
    }
    expect(timesPrepared(prepared, 'begin')).toBe(1);
    expect(timesPrepared(prepared, 'rollback')).toBe(1);
  });

  it('runs a streamed query again once the stream ended, even broken off', async () => {
    await open();
    // Kysely holds the connection while it streams, so nothing else runs on it meanwhile.
    const ids = (database.db as unknown as Kysely<{ things: { id: number } }>).selectFrom('things').select('id').orderBy('id');
    for await (const row of ids.stream()) if (row.id === 1) break;
    expect(await ids.execute()).toEqual([{ id: 1 }, { id: 2 }]);
    const streamed: unknown[] = [];
    for await (const row of ids.stream()) streamed.push(row);
    expect(streamed).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('closes the connection with the database', async () => {
    await open();
    const connection = database.sqlite!;
    await database.close();
    expect(connection.open).toBe(false);
    database = openDatabase({ url: ':memory:' });
  });
});

describe('withStatementCache', () => {
  it('keeps at most `max` statements, the least recently used leaving first', () => {
    const connection = new BetterSqlite3(':memory:');
    const prepared = recordPrepares(connection);
    const cache = withStatementCache(connection, 2);
    for (const text of ['select 1', 'select 2', 'select 1', 'select 3', 'select 1', 'select 2']) cache.prepare(text);
    // `select 2` left when `select 3` came (`select 1` had just been used); `select 1` stayed.
    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
    cache.close();
  });

  it('gives a statement still being iterated to no one else', () => {
    const connection = new BetterSqlite3(':memory:');
    const cache = withStatementCache(connection);
    const text = 'select value from json_each(?)';
    const iterating = cache.prepare(text).iterate(['[1,2,3]']);
    expect(iterating.next().value).toEqual({ value: 1 });
    expect(cache.prepare(text).all(['[4]'])).toEqual([{ value: 4 }]);
    expect([...iterating]).toEqual([{ value: 2 }, { value: 3 }]);
    cache.close();
  });
});
