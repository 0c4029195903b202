import { InvalidArgumentError, type Command } from 'commander';
import { ASSIGNABLE_ACCESS_LEVELS, isAssignableAccessLevel } from '../domain/access-levels.js';
import {
  createGroupAccessToken,
  listGroupAccessTokens,
  revokeGroupAccessToken,
  rotateGroupAccessToken,
  type GroupAccessToken,
} from '../services/group-access-tokens.js';
import { toGroupAccessTokenJson } from '../http/presenters/group-access-tokens.js';
import { asConsole, isoDateOption, out, scopeList, valueOf } from './common.js';

/** Tokens fetched per page when the console lists them all (the API's largest page). */
const LIST_PAGE_SIZE = 100;

function accessLevelOption(value: string): number {
  const level = Number(value);
  if (!/^\d+$/.test(value) || !isAssignableAccessLevel(level)) throw new InvalidArgumentError(`expected one of ${ASSIGNABLE_ACCESS_LEVELS.join(', ')}`);
  return level;
}

function stateOption(value: string): 'active' | 'inactive' {
  if (value !== 'active' && value !== 'inactive') throw new InvalidArgumentError('expected active or inactive');
  return value;
}

function stateOf(json: ReturnType<typeof toGroupAccessTokenJson>): string {
  if (json.revoked) return 'revoked';
  return json.expired ? 'expired' : 'active';
}

/** `tollgate group-tokens create|list|rotate|revoke` (docs/operator-guide.md). */
export function registerGroupTokenCommands(program: Command): void {
  // Errors are one line on stderr, usage mistakes included; --help shows the usage.
  const tokens = program.command('group-tokens').description('Group access tokens').showHelpAfterError(false);

  tokens
    .command('create')
    .description('Create a group access token (and its bot user); prints only the token')
    .requiredOption('--group <id|full/path>', 'the group')
    .requiredOption('--name <name>', 'name of the token and of its bot user')
    .requiredOption('--scopes <a,b>', 'comma-separated scopes', scopeList)
    .option('--access-level <N>', `role: ${ASSIGNABLE_ACCESS_LEVELS.join(', ')} (default 40, Maintainer)`, accessLevelOption)
    .option('--expires-at <YYYY-MM-DD>', 'expiry date (default: the maximum lifetime)', isoDateOption)
    .option('--description <text>')
    .action(async (options: { group: string; name: string; scopes: string[]; accessLevel?: number; expiresAt?: string; description?: string }) =>
      asConsole(async (ctx, caller) => {
        const issued = valueOf(
          await createGroupAccessToken(ctx, caller, options.group, {
            name: options.name,
            scopes: options.scopes,
            accessLevel: options.accessLevel,
            expiresAt: options.expiresAt,
            description: options.description,
          }),
          'api',
        );
        out(issued.plaintext);
      }),
    );

  tokens
    .command('list')
    .description("List a group's access tokens (active and inactive); --json prints the API's JSON")
    .requiredOption('--group <id|full/path>', 'the group')
    .option('--state <active|inactive>', 'only active or only inactive tokens', stateOption)
    .option('--json', 'print the tokens as the API returns them', false)
    .action(async (options: { group: string; state?: 'active' | 'inactive'; json: boolean }) =>
      asConsole(async (ctx, caller) => {
        const all: GroupAccessToken[] = [];
        for (let page = 1; ; page += 1) {
          const { tokens: rows, total } = valueOf(await listGroupAccessTokens(ctx, caller, options.group, { state: options.state }, { page, perPage: LIST_PAGE_SIZE }), 'api');
          all.push(...rows);
          if (rows.length === 0 || all.length >= total) break;
        }
        const now = ctx.clock.now();
        // The API's own presenter: `list --json` prints exactly what GET /groups/:id/access_tokens answers.
        const shown = all.map((token) => toGroupAccessTokenJson(token, now));
        if (options.json) {
          out(JSON.stringify(shown, null, 2));
          return;
        }
        out(['id', 'name', 'state', 'access_level', 'scopes', 'expires_at', 'last_used_at'].join('\t'));
        for (const t of shown) out([t.id, t.name, stateOf(t), t.access_level, t.scopes.join(','), t.expires_at ?? 'never', t.last_used_at ?? 'never'].join('\t'));
      }),
    );

  tokens
    .command('rotate')
    .description('Revoke a group access token and create its successor; prints only the new token')
    .requiredOption('--group <id|full/path>', 'the group')
    .requiredOption('--token-id <id>', 'the token to rotate')
    .option('--expires-at <YYYY-MM-DD>', 'expiry of the new token (default: one week from today)', isoDateOption)
    .action(async (options: { group: string; tokenId: string; expiresAt?: string }) =>
      asConsole(async (ctx, caller) => {
        const issued = valueOf(await rotateGroupAccessToken(ctx, caller, options.group, options.tokenId, options.expiresAt), 'api');
        out(issued.plaintext);
      }),
    );

  tokens
    .command('revoke')
    .description('Revoke a group access token (its bot user is kept until the retention job removes it)')
    .requiredOption('--group <id|full/path>', 'the group')
    .requiredOption('--token-id <id>', 'the token to revoke')
    .action(async (options: { group: string; tokenId: string }) =>
      asConsole(async (ctx, caller) => {
        valueOf(await revokeGroupAccessToken(ctx, caller, options.group, options.tokenId), 'api');
      }),
    );
}
