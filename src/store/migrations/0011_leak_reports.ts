import type { Kysely } from 'kysely';
import { idColumn } from './columns.js';

/**
 * Public leak revocation (issue 13, POST /api/v4/credentials/revoke). `leak_reports`: the digests
 * of reported values waiting for the `leak-revocation` job (never a value itself); a row is
 * deleted in the transaction that acts on it, so it is acted on once whichever instance gets
 * there. `credentials_revoke_calls`: each call per IP, for the hourly limit every instance shares
 * (rows older than the hour are pruned, as git_auth_failures are).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await idColumn(db, db.schema.createTable('leak_reports'))
    .addColumn('token_digest', 'text', (c) => c.notNull())
    .addColumn('reporter_ip', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await idColumn(db, db.schema.createTable('credentials_revoke_calls'))
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('called_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credentials_revoke_calls_ip_called_at').on('credentials_revoke_calls').columns(['ip', 'called_at']).execute();
  await db.schema.createIndex('credentials_revoke_calls_called_at').on('credentials_revoke_calls').column('called_at').execute();
}
