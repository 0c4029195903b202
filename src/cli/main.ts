import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { isSettingKey, parseSettingText, SETTING_KEYS } from '../domain/settings.js';
import { createPersonalAccessToken } from '../services/personal-access-tokens.js';
import { instanceSettings, updateSettings } from '../services/settings.js';
import { createUser, userByUsername } from '../services/users.js';
import { ALLOWED_CIDRS_OPTION, CliError, isoDateOption, out, scopeList, valueOf, withRuntime } from './common.js';
import { registerBackupCommands } from './backup.js';
import { registerResourceTokenCommands } from './resource-tokens.js';
import { registerJobCommands } from './jobs.js';
import { registerRegistryCommands } from './registry.js';
import { migrateDatabase } from './runtime.js';
import { serve } from './serve.js';

function workerCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError('a whole number from 1 to 64');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('tollgate')
    .description('Tollgate: group access tokens with a GitLab-compatible API')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('Run the HTTP server (migrates and bootstraps first)')
    .option('--workers <n>', 'processes sharing the port, one per core (node cluster); default 1', workerCount, 1)
    .action(serve);

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const applied = await migrateDatabase(loadConfig());
      out(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
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
        const user = valueOf(await createUser(ctx, options));
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
    .option(...ALLOWED_CIDRS_OPTION, scopeList)
    .action(async (options: { user: string; name: string; scopes: string[]; expiresAt?: string; description?: string; allowedCidrs?: string[] }) =>
      withRuntime(async ({ ctx }) => {
        const user = await userByUsername(ctx, options.user);
        if (!user) throw new CliError(`no user named "${options.user}"`);
        const issued = valueOf(
          await createPersonalAccessToken(ctx, {
            userId: user.id,
            name: options.name,
            scopes: options.scopes,
            expiresAt: options.expiresAt,
            description: options.description,
            allowedCidrs: options.allowedCidrs,
          }),
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
        const all = await instanceSettings(ctx);
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
        const updated = valueOf(await updateSettings(ctx, { [key]: parseSettingText(key, value) }));
        out(JSON.stringify(updated[key]));
      }),
    );

  registerJobCommands(program);
  registerBackupCommands(program);
  registerResourceTokenCommands(program, 'group');
  registerResourceTokenCommands(program, 'project');
  registerRegistryCommands(program);
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
