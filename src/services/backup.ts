import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { BackupRefusal, createSqliteBackup, restoreSqliteBackup, type BackupSummary, type InstanceFiles } from '../store/backup.js';
import { isPostgresUrl } from '../store/database.js';
import { instanceSecretPath } from '../store/instance-secret.js';
import { registryCertificatePath, registryKeyPath } from '../store/registry-signing-key.js';
import { repositoriesRoot } from './repositories.js';

/** `tollgate backup create|restore` (docs/operator-guide.md#backups): the SQLite database and the data directory in one file. */

export { BackupRefusal, type BackupSummary };

type BackupConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'secret'>;

const ON_POSTGRES =
  'this instance uses PostgreSQL: back up its database with pg_dump and restore it with pg_restore, ' +
  'and keep the instance secret (<data dir>/secret or TOLLGATE_SECRET) with the dump (docs/operator-guide.md#backups)';

export function instanceFiles(config: BackupConfig): InstanceFiles {
  return {
    dataDir: config.dataDir,
    database: config.databaseUrl,
    secret: instanceSecretPath(config.dataDir),
    registryKey: registryKeyPath(config.dataDir),
    registryCertificate: registryCertificatePath(config.dataDir),
    repositories: repositoriesRoot(config),
  };
}

export async function createBackup(config: BackupConfig, archive: string, clock: Clock): Promise<BackupSummary> {
  if (isPostgresUrl(config.databaseUrl)) throw new BackupRefusal(ON_POSTGRES);
  return createSqliteBackup(instanceFiles(config), archive, { secretConfigured: config.secret !== null, clock });
}

/** Into an instance that has no database, secret, signing key or repositories yet. */
export async function restoreBackup(config: BackupConfig, archive: string): Promise<BackupSummary> {
  if (isPostgresUrl(config.databaseUrl)) throw new BackupRefusal(ON_POSTGRES);
  return restoreSqliteBackup(instanceFiles(config), archive, config.secret);
}
