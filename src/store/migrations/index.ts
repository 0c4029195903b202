import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';

/**
 * Forward-only migrations, in order. Each runs on SQLite and PostgreSQL alike; add new ones at the
 * end and never edit one that has shipped.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
