import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { systemClock } from '../domain/clock.js';
import { BackupRefusal, createBackup, restoreBackup, type BackupSummary } from '../services/backup.js';
import { CliError, out } from './common.js';

const PART_NAMES: Record<BackupSummary['parts'][number], string> = {
  database: 'the database',
  secret: 'the instance secret',
  registryKey: 'the registry signing key',
  registryCertificate: 'its certificate',
  repositories: 'the Git repositories',
};

const listed = (summary: BackupSummary) => summary.parts.map((part) => PART_NAMES[part]).join(', ');

/** The service's refusals are the operator's one line; anything else is a fault and keeps its stack. */
async function refusalsAsCliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupRefusal) throw new CliError(error.message);
    throw error;
  }
}

/** `tollgate backup create|restore <file>` (docs/operator-guide.md#backups). */
export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('Back up and restore an instance on SQLite (PostgreSQL: pg_dump, see docs/operator-guide.md)');
  backup
    .command('create <file>')
    .description('Write the database (a consistent copy, also while the server runs), the instance secret, the registry signing key and the Git repositories to <file> (a .tar.gz)')
    .action(async (file: string) => {
      const config = loadConfig();
      const archive = resolve(file);
      const summary = await refusalsAsCliErrors(() => createBackup(config, archive, systemClock));
      out(`Backed up ${listed(summary)} to ${archive}`);
      if (summary.secretIncluded) {
        out('WARNING: this file holds the instance secret (SECRET-instance-secret): keep it as safe as the tokens themselves (it is mode 0600).');
      } else {
        out('The instance secret is configured outside the data directory (TOLLGATE_SECRET) and is not included: keep it with this backup; a restore needs the same value.');
      }
    });
  backup
    .command('restore <file>')
    .description('Restore a backup of `backup create` into an empty data directory (TOLLGATE_DATA_DIR), then start `tollgate serve`')
    .action(async (file: string) => {
      const config = loadConfig();
      const archive = resolve(file);
      const summary = await refusalsAsCliErrors(() => restoreBackup(config, archive));
      out(`Restored ${listed(summary)} from ${archive} (taken ${summary.createdAt}) into ${config.dataDir}`);
    });
}
