import { externalHost } from '../config.js';
import { findGhostUser, findUserByUsername, insertUser } from '../store/repositories/users.js';
import { nowIso, type ServiceContext } from './context.js';
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from './passwords.js';

export const ROOT_USERNAME = 'root';

export interface BootstrapResult {
  /** Set only on the start that created root with a generated password: show it once. */
  generatedRootPassword: string | null;
  createdRoot: boolean;
}

/**
 * First start: the `root` administrator and the ghost user (who inherits the contributions of
 * removed users). A second start changes nothing; concurrent first starts of several instances
 * settle on one root through the unique username index.
 */
export async function bootstrapInstance(ctx: ServiceContext): Promise<BootstrapResult> {
  const now = nowIso(ctx);
  const host = externalHost(ctx.config);
  // Root first, so that it is user 1 as in GitLab (the seeds' console recipe relies on it).
  const result = await ensureRoot(ctx, now, host);
  await ensureGhost(ctx, now, host);
  return result;
}

async function ensureRoot(ctx: ServiceContext, now: string, host: string): Promise<BootstrapResult> {
  const db = ctx.database.db;
  const existing: BootstrapResult = { generatedRootPassword: null, createdRoot: false };
  if (await findUserByUsername(db, ROOT_USERNAME)) return existing;
  const configured = ctx.config.initialRootPassword;
  if (configured !== null && configured.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`TOLLGATE_INITIAL_ROOT_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const password = configured ?? generatePassword();
  try {
    await insertUser(db, {
      username: ROOT_USERNAME,
      email: `admin@${host}`,
      name: 'Administrator',
      state: 'active',
      is_admin: 1,
      external: 0,
      user_type: 'human',
      bot_namespace_id: null,
      password_digest: await hashPassword(password, ctx.config.passwordHashCost),
      created_at: now,
      updated_at: now,
    });
  } catch (error) {
    // Another instance starting at the same moment created it.
    if (await findUserByUsername(db, ROOT_USERNAME)) return existing;
    throw error;
  }
  return { generatedRootPassword: configured === null ? password : null, createdRoot: true };
}

async function ensureGhost(ctx: ServiceContext, now: string, host: string): Promise<void> {
  const db = ctx.database.db;
  if (await findGhostUser(db)) return;
  await insertUser(db, {
    username: 'ghost',
    email: `ghost@noreply.${host}`,
    name: 'Ghost User',
    state: 'blocked',
    is_admin: 0,
    external: 0,
    user_type: 'ghost',
    bot_namespace_id: null,
    password_digest: null,
    created_at: now,
    updated_at: now,
  }).catch(async (error: unknown) => {
    if (!(await findGhostUser(db))) throw error;
  });
}
