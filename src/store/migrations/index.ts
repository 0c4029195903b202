import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_git_auth_failures.js';
import * as m0003 from './0003_token_lifecycle.js';
import * as m0004 from './0004_sessions.js';
import * as m0005 from './0005_project_bots.js';
import * as m0006 from './0006_project_expiry_notices.js';
import * as m0007 from './0007_project_hooks.js';
import * as m0008 from './0008_auth_invalidations.js';
import * as m0009 from './0009_token_list_indexes.js';
import * as m0010 from './0010_token_rotation_grace_and_allowlists.js';
import * as m0011 from './0011_leak_reports.js';
import * as m0012 from './0012_failed_auth_limits.js';
import * as m0013 from './0013_token_name_search.js';
import * as m0014 from './0014_token_count_indexes.js';
import * as m0015 from './0015_member_bot_flag.js';
import * as m0016 from './0016_trigram_index_without_pending_list.js';

/**
 * Forward-only migrations, in order. Each runs on SQLite and PostgreSQL alike; add new ones at the
 * end and never edit one that has shipped.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_git_auth_failures': m0002,
  '0003_token_lifecycle': m0003,
  '0004_sessions': m0004,
  '0005_project_bots': m0005,
  '0006_project_expiry_notices': m0006,
  '0007_project_hooks': m0007,
  '0008_auth_invalidations': m0008,
  '0009_token_list_indexes': m0009,
  '0010_token_rotation_grace_and_allowlists': m0010,
  '0011_leak_reports': m0011,
  '0012_failed_auth_limits': m0012,
  '0013_token_name_search': m0013,
  '0014_token_count_indexes': m0014,
  '0015_member_bot_flag': m0015,
  '0016_trigram_index_without_pending_list': m0016,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
