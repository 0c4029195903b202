import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { isSettingKey, parseSettingText, SETTING_KEYS } from '../domain/settings.js';
import { parseIsoDate } from '../domain/expiry.js';
import { createUser } from '../services/users.js';
import { createPersonalAccessToken } from '../services/personal-access-tokens.js';
import { getSettings, updateSettings } from '../services/settings.js';
import { nowIso } from '../services/context.js';
import { findUserByUsername } from '../store/repositories/users.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import type { Result } from '../domain/result.js';
import { openRuntime, INITIAL_ROOT_PASSWORD_FILE, type Runtime } from './runtime.js';
import { startScheduler, type Scheduler } from '../jobs/scheduler.js';
import { registerJobCommands } from './jobs.js';
import { registerGroupTokenCommands } from './group-tokens.js';

/** A failure the operator caused: one line on stderr, exit code 1. */
export class CliError extends Error {}

const out = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);

/** Shown once, by whichever command started the instance first and so created root. */
function showGeneratedRootPassword(runtime: Runtime, print: (text: string) => void) {
  const password = runtime.bootstrap.generatedRootPassword;
  if (!password) return;
  print(`Created the administrator "root" with the password: ${password}`);
  print(`(also written to ${join(runtime.ctx.config.dataDir, INITIAL_ROOT_PASSWORD_FILE)}; it is not shown again)`);
}

function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new CliError(result.error.message ?? result.error.kind.replace('_', ' '));
  return result.value;
}

export const scopeList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

export function isoDateOption(value: string): string {
  const date = parseIsoDate(value);
  if (!date) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return date;
}

export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    // stderr: a console command's stdout is its result (`pat create` prints only the token).
    showGeneratedRootPassword(runtime, note);
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  // The HTTP stack is loaded for `serve` only: console commands start faster without it.
  const { buildApp, loggerOptions } = await import('../http/app.js');
  const runtime = await openRuntime(config);
  const app = await buildApp({ ctx: runtime.ctx, logger: loggerOptions(config.logLevel) }).catch(async (error: unknown) => {
    await runtime.close();
    throw error;
  });
  showGeneratedRootPassword(runtime, out);
  let scheduler: Scheduler | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Jobs first: a run in progress finishes while the database is still open.
    await scheduler?.stop();
    // Stop accepting, let requests in flight finish, then release the database.
    await app.close();
    await runtime.close();
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A port in use: release the database too, so the process can exit with the error.
    await app.close();
    await runtime.close();
    throw error;
  }
  scheduler = startScheduler(runtime.ctx, app.log);
}

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .description('Tollgate: group access tokens with a GitLab-compatible API')
    .showHelpAfterError()
    .exitOverride();

  program.command('serve').description('Run the HTTP server (migrates and bootstraps first)').action(serve);

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const database = openDatabase({ url: loadConfig().databaseUrl });
      try {
        const applied = await migrateToLatest(database);
        out(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
    });

  const users = program.command('users').description('Manage users');
  users
    .command('create')
    .description('Create a user')
    .requiredOption('--username <username>')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .option('--password <password>', 'password for signing in to the web UI')
    .option('--admin', 'make the user an administrator', false)
    .option('--external', 'make the user external', false)
    .action(async (options: { username: string; email: string; name: string; password?: string; admin: boolean; external: boolean }) =>
      withRuntime(async ({ ctx }) => {
        const user = valueOf(await createUser(ctx.database.db, options, nowIso(ctx)));
        out(String(user.id));
      }),
    );

  const pat = program.command('pat').description('Personal access tokens');
  pat
    .command('create')
    .description('Create a personal access token; prints only the token')
    .requiredOption('--user <username>')
    .requiredOption('--name <name>')
    .requiredOption('--scopes <a,b>', 'comma-separated scopes', scopeList)
    .option('--expires-at <YYYY-MM-DD>', 'expiry date (default: the maximum lifetime)', isoDateOption)
    .option('--description <text>')
    .action(async (options: { user: string; name: string; scopes: string[]; expiresAt?: string; description?: string }) =>
      withRuntime(async ({ ctx }) => {
        const user = await findUserByUsername(ctx.database.db, options.user);
        if (!user || user.user_type === 'ghost') throw new CliError(`no user named "${options.user}"`);
        const issued = valueOf(
          await createPersonalAccessToken(ctx, { userId: user.id, name: options.name, scopes: options.scopes, expiresAt: options.expiresAt, description: options.description }),
        );
        out(issued.token);
      }),
    );

  const settings = program.command('settings').description('Instance settings');
  settings
    .command('get [key]')
    .description('Print one setting, or all as JSON')
    .action(async (key?: string) =>
      withRuntime(async ({ ctx }) => {
        const all = await getSettings(ctx.database.db);
        if (key === undefined) {
          out(JSON.stringify(all, null, 2));
          return;
        }
        if (!isSettingKey(key)) throw new CliError(`unknown setting "${key}"; known: ${SETTING_KEYS.join(', ')}`);
        out(JSON.stringify(all[key]));
      }),
    );
  settings
    .command('set <key> <value>')
    .description('Change one setting ("" or null clears a nullable one)')
    .action(async (key: string, value: string) =>
      withRuntime(async ({ ctx }) => {
        if (!isSettingKey(key)) throw new CliError(`unknown setting "${key}"; known: ${SETTING_KEYS.join(', ')}`);
        const updated = valueOf(await updateSettings(ctx.database.db, { [key]: parseSettingText(key, value) }));
        out(JSON.stringify(updated[key]));
      }),
    );

  registerJobCommands(program);
  registerGroupTokenCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the usage error; help and version exit 0.
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
}
