import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../../test/support/databases.js';
import { migrateToLatest, openDatabase } from './database.js';

const schemaName = () => `race_${randomBytes(5).toString('hex')}`;

describe.skipIf(!POSTGRES_URL)('migrations on PostgreSQL beside other deployments', () => {
  it('a schema of another deployment dropped while we migrate does not fail our migration', async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL! });
    await admin.connect();
    // Other deployments' schemas, with tables, so that the catalog scan meets them.
    const others = Array.from({ length: 40 }, schemaName);
    for (const other of others) await admin.query(`create schema ${other}; create table ${other}.t (id serial primary key, name text)`);
    const ours = Array.from({ length: 6 }, schemaName);
    for (const schema of ours) await admin.query(`create schema ${schema}`);
    const databases = ours.map((schema) => openDatabase({ url: POSTGRES_URL!, searchPath: schema, poolSize: 2 }));
    try {
      const dropping = (async () => {
        for (const other of others) await admin.query(`drop schema ${other} cascade`);
      })();
      const migrated = await Promise.all(databases.map((database) => migrateToLatest(database)));
      await dropping;
      for (const names of migrated) expect(names[0]).toBe('0001_initial');
    } finally {
      for (const database of databases) await database.close();
      for (const schema of [...ours, ...others]) await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});
