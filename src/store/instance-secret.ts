import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

const SECRET_FILE = 'secret';
const FINGERPRINT_KEY = 'secret_fingerprint';

class SecretMismatchError extends Error {}

export const instanceSecretPath = (dataDir: string): string => join(dataDir, SECRET_FILE);

/** The secret a secret file holds (a restore checks the one in a backup before putting it in place). */
export const readInstanceSecret = (file: string): Buffer => Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');

/** TOLLGATE_SECRET, else `<data>/secret`, generated (mode 0600) on first start. */
export function loadInstanceSecret(dataDir: string, configured: string | null): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = instanceSecretPath(dataDir);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return readInstanceSecret(file);
}

function fingerprint(secret: Buffer): string {
  return createHmac('sha256', secret).update('tollgate secret fingerprint').digest('hex').slice(0, 16);
}

/**
 * Every instance of a deployment must share the key of token digests. The database keeps a
 * fingerprint of the key it was created with; a different key would reject every token, so we
 * refuse to start instead.
 */
export async function checkSecretFingerprint(db: Kysely<Schema>, secret: Buffer): Promise<void> {
  const expected = fingerprint(secret);
  const row = await db.selectFrom('instance_meta').select('value').where('key', '=', FINGERPRINT_KEY).executeTakeFirst();
  if (!row) {
    await db.insertInto('instance_meta').values({ key: FINGERPRINT_KEY, value: expected }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return checkSecretFingerprint(db, secret);
  }
  if (row.value !== expected) {
    throw new SecretMismatchError(
      'the instance secret differs from the one this database was created with: every token would be rejected. ' +
        'Use the same TOLLGATE_SECRET (or <data dir>/secret) on every instance of this deployment.',
    );
  }
}
