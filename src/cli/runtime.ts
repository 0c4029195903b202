import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { bootstrapInstance, type BootstrapResult } from '../services/bootstrap.js';
import { closeServiceContext, openServiceContext, type ServiceContext } from '../services/context.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { checkSecretFingerprint, loadInstanceSecret } from '../store/instance-secret.js';

export interface Runtime {
  ctx: ServiceContext;
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

export const INITIAL_ROOT_PASSWORD_FILE = 'initial_root_password';

/**
 * Everything a command needs: the database migrated, the secret checked against it, root and the
 * ghost user present. Every command goes through here, so the console and the server agree.
 */
export async function openRuntime(config: Config, clock: Clock = systemClock): Promise<Runtime> {
  const database = openDatabase({ url: config.databaseUrl });
  try {
    await migrateToLatest(database);
    const secret = loadInstanceSecret(config.dataDir, config.secret);
    await checkSecretFingerprint(database.db, secret);
    const ctx = await openServiceContext({ database, clock, config, secret });
    const bootstrap = await bootstrapInstance(ctx).catch(async (error: unknown) => {
      await closeServiceContext(ctx);
      throw error;
    });
    if (bootstrap.generatedRootPassword) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(join(config.dataDir, INITIAL_ROOT_PASSWORD_FILE), `${bootstrap.generatedRootPassword}\n`, { mode: 0o600 });
    }
    return {
      ctx,
      bootstrap,
      close: async () => {
        await closeServiceContext(ctx);
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** `tollgate migrate`: the pending migrations only (no secret, no bootstrap); the names applied. */
export async function migrateDatabase(config: Pick<Config, 'databaseUrl'>): Promise<string[]> {
  const database = openDatabase({ url: config.databaseUrl });
  try {
    return await migrateToLatest(database);
  } finally {
    await database.close();
  }
}
