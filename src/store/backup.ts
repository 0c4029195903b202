import BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { cp, link, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tar from 'tar';
import type { Clock } from '../domain/clock.js';
import { openDatabase } from './database.js';
import { checkSecretFingerprint, loadInstanceSecret, readInstanceSecret } from './instance-secret.js';

/**
 * `tollgate backup create|restore` on SQLite: one gzipped tar archive (docs/operator-guide.md#backups)
 * with everything an instance needs to serve the same tokens:
 *
 *   tollgate-backup.json               what this is (format, version, when, what it holds)
 *   tollgate.sqlite3                   the database, copied with SQLite's online backup API
 *   SECRET-instance-secret             <data>/secret, unless TOLLGATE_SECRET is set
 *   SECRET-registry-signing-key.pem    when the container registry was used
 *   registry-signing-cert.pem
 *   repositories/                      the bare Git repositories
 */

/** A failure the operator can act on: its message is the whole explanation. */
export class BackupRefusal extends Error {}

/** Where an instance keeps each part of what a backup holds. */
export interface InstanceFiles {
  dataDir: string;
  database: string;
  secret: string;
  registryKey: string;
  registryCertificate: string;
  repositories: string;
}

type Part = Exclude<keyof InstanceFiles, 'dataDir'>;

/** The name of each part in the archive; what a reader must not share starts with SECRET-. */
const ARCHIVE_NAMES: Record<Part, string> = {
  database: 'tollgate.sqlite3',
  secret: 'SECRET-instance-secret',
  registryKey: 'SECRET-registry-signing-key.pem',
  registryCertificate: 'registry-signing-cert.pem',
  repositories: 'repositories',
};
const PARTS = Object.keys(ARCHIVE_NAMES) as Part[];
const MANIFEST = 'tollgate-backup.json';
const FORMAT = 'tollgate-backup';
const VERSION = 1;

interface Manifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  /** When the database copy began: every change committed before it is in the backup. */
  created_at: string;
  database: 'sqlite';
  /** False when the instance took its secret from TOLLGATE_SECRET: a restore needs that value. */
  secret_included: boolean;
  entries: string[];
}

export interface BackupSummary {
  createdAt: string;
  parts: Part[];
  secretIncluded: boolean;
}

/**
 * Transfers every page in one step, so the copy is made in one read transaction: a consistent
 * snapshot that writers (WAL mode) neither wait for nor restart. Steps of fewer pages would let a
 * write in between restart the copy, which under steady load might never finish.
 */
const ALL_PAGES = 0x7fffffff;

/** The SQLite database and the data directory's parts into `archive` (mode 0600: it may hold the secret). */
export async function createSqliteBackup(files: InstanceFiles, archive: string, options: { secretConfigured: boolean; clock: Clock }): Promise<BackupSummary> {
  if (existsSync(archive)) throw new BackupRefusal(`${archive} exists: choose another file name`);
  if (!existsSync(files.database)) throw new BackupRefusal(`no database at ${files.database}: nothing to back up`);
  await mkdir(dirname(archive), { recursive: true });
  // Beside the archive (mode 0700): the database copy needs the archive's room anyway, and the final link stays on one filesystem.
  const staging = await mkdtemp(join(dirname(archive), '.tollgate-backup-'));
  try {
    const source = new BetterSqlite3(files.database, { readonly: true, fileMustExist: true });
    let createdAt: Date;
    try {
      source.pragma('busy_timeout = 5000');
      createdAt = options.clock.now();
      await source.backup(join(staging, ARCHIVE_NAMES.database), { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    // A file in the data directory is not used when TOLLGATE_SECRET is set: it is not the secret.
    const parts = PARTS.filter((part) => part !== 'database' && !(part === 'secret' && options.secretConfigured) && existsSync(files[part]));
    // Linked, not copied: tar follows the links, and the repositories are not stored twice.
    for (const part of parts) await symlink(files[part], join(staging, ARCHIVE_NAMES[part]));
    const included: Part[] = ['database', ...parts];
    const manifest: Manifest = {
      format: FORMAT,
      version: VERSION,
      created_at: createdAt.toISOString(),
      database: 'sqlite',
      secret_included: included.includes('secret'),
      entries: included.map((part) => ARCHIVE_NAMES[part]),
    };
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const written = join(staging, basename(archive));
    await tar.create({ file: written, cwd: staging, gzip: true, follow: true, mode: 0o600 }, [MANIFEST, ...manifest.entries]);
    // A link fails if the name was taken meanwhile: an existing file is never overwritten.
    await link(written, archive);
    return { createdAt: manifest.created_at, parts: included, secretIncluded: manifest.secret_included };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** What of the instance is already there: a restore puts nothing over it. */
function presentParts(files: InstanceFiles): string[] {
  const taken = PARTS.flatMap((part) => [files[part], ...(part === 'database' ? [`${files.database}-wal`, `${files.database}-shm`] : [])]);
  return taken.filter((path) => existsSync(path));
}

async function readManifest(staging: string, archive: string): Promise<Manifest> {
  const text = await readFile(join(staging, MANIFEST), 'utf8').catch(() => null);
  const manifest = text === null ? null : (JSON.parse(text) as Partial<Manifest>);
  if (manifest?.format !== FORMAT) throw new BackupRefusal(`${archive} is not a Tollgate backup (no ${MANIFEST})`);
  if (manifest.version !== VERSION) throw new BackupRefusal(`${archive} is a backup of format version ${manifest.version}; this Tollgate reads version ${VERSION}`);
  return manifest as Manifest;
}

/** Moves a file or directory; across filesystems (a database outside the data directory) by copying. */
async function moveInto(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
}

/**
 * An archive of `createSqliteBackup` into an instance that has none of its parts yet. Everything is
 * unpacked and checked (format, and that the secret is the one the database was made with) before
 * anything is put in place, so a refusal leaves the instance as it was.
 */
export async function restoreSqliteBackup(files: InstanceFiles, archive: string, configuredSecret: string | null): Promise<BackupSummary> {
  if (!existsSync(archive)) throw new BackupRefusal(`${archive} does not exist`);
  const present = presentParts(files);
  if (present.length > 0) {
    throw new BackupRefusal(`the data directory is not empty: ${present.join(', ')} already exist. Restore into a new data directory (TOLLGATE_DATA_DIR)`);
  }
  const createdDataDir = !existsSync(files.dataDir);
  await mkdir(files.dataDir, { recursive: true });
  // Inside the data directory, so that putting the parts in place is a rename.
  const staging = await mkdtemp(join(files.dataDir, '.tollgate-restore-'));
  try {
    // preserveOwner false: the files belong to whoever restores (the service's user), wherever the backup was made.
    await tar.extract({ file: archive, cwd: staging, strict: true, preserveOwner: false }).catch((error: Error) => {
      throw new BackupRefusal(`${archive} is not a Tollgate backup: ${error.message}`);
    });
    const manifest = await readManifest(staging, archive);
    const staged = (part: Part) => join(staging, ARCHIVE_NAMES[part]);
    const parts = PARTS.filter((part) => existsSync(staged(part)));
    if (!parts.includes('database')) throw new BackupRefusal(`${archive} holds no database`);
    if (!parts.includes('secret') && !configuredSecret) {
      throw new BackupRefusal(
        `${archive} does not hold the instance secret (the instance took it from TOLLGATE_SECRET): set TOLLGATE_SECRET to the same value and restore again`,
      );
    }
    const secret = configuredSecret ? loadInstanceSecret(files.dataDir, configuredSecret) : readInstanceSecret(staged('secret'));
    const database = openDatabase({ url: staged('database') });
    try {
      await checkSecretFingerprint(database.db, secret);
    } finally {
      await database.close();
    }
    for (const part of parts) await moveInto(staged(part), files[part]);
    return { createdAt: manifest.created_at, parts, secretIncluded: manifest.secret_included };
  } catch (error) {
    // Made by this restore, so all it holds is what the restore put there.
    if (createdDataDir) await rm(files.dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
