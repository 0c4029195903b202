import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from '../../test/support/databases.js';
import { openDatabase, type Database } from '../store/database.js';
import { withJobLock } from './lock.js';

/** A run that holds the lock until the test lets it finish. */
function heldRun(database: Database, job: string) {
  let finish!: () => void;
  const released = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const outcome = withJobLock(database, job, async () => {
    started();
    await released;
    return 'first';
  });
  return { outcome, running, finish };
}

describe.each(TEST_DIALECTS)('job lock (%s)', (dialect) => {
  let test: TestDatabase;
  let other: Database;
  beforeAll(async () => {
    test = await openTestDatabase(dialect);
    // A second instance: its own connections to the same database.
    other = openDatabase(dialect === 'sqlite' ? { url: test.url } : { url: test.url, searchPath: test.searchPath!, poolSize: 3 });
  });
  afterAll(async () => {
    await other.close();
    await test.drop();
  });

  it('a run of a job happens on one instance only: a second instance skips it while the first holds the lock', async () => {
    const first = heldRun(test.database, 'expiring-tokens');
    await first.running;
    expect(await withJobLock(other, 'expiring-tokens', async () => 'second')).toEqual({ ran: false });
    // Another job is not blocked by it.
    expect(await withJobLock(other, 'mail-delivery', async () => 'mail')).toEqual({ ran: true, value: 'mail' });
    first.finish();
    expect(await first.outcome).toEqual({ ran: true, value: 'first' });
    // Released: the next run goes ahead, wherever it starts.
    expect(await withJobLock(other, 'expiring-tokens', async () => 'next')).toEqual({ ran: true, value: 'next' });
  });

  it('a run that throws releases the lock', async () => {
    await expect(withJobLock(test.database, 'webhook-delivery', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withJobLock(other, 'webhook-delivery', async () => 'after')).toEqual({ ran: true, value: 'after' });
  });

  if (dialect === 'postgres') {
    it('deployments in other schemas of the same PostgreSQL database do not block each other', async () => {
      // The lock needs no tables: an empty schema of its own is another deployment.
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: test.url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const elsewhere = openDatabase({ url: test.url, searchPath: schema, poolSize: 2 });
      try {
        const first = heldRun(test.database, 'inactive-token-retention');
        await first.running;
        expect(await withJobLock(elsewhere, 'inactive-token-retention', async () => 'elsewhere')).toEqual({ ran: true, value: 'elsewhere' });
        expect(await withJobLock(other, 'inactive-token-retention', async () => 'same schema')).toEqual({ ran: false });
        first.finish();
        await first.outcome;
      } finally {
        await elsewhere.close();
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    });
  }
});
