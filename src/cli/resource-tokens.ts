import { InvalidArgumentError, type Command } from 'commander';
import { ASSIGNABLE_ACCESS_LEVELS, isAssignableAccessLevel } from '../domain/access-levels.js';
import type { ResourceKind } from '../domain/bot-users.js';
import {
  createResourceAccessToken,
  listResourceAccessTokens,
  revokeResourceAccessToken,
  rotateResourceAccessToken,
  type ResourceAccessToken,
} from '../services/resource-access-tokens.js';
import { toResourceAccessTokenJson, type ResourceAccessTokenJson } from '../http/presenters/resource-access-tokens.js';
import { parseGracePeriodSeconds } from '../domain/rotation-grace.js';
import { ALLOWED_CIDRS_OPTION, asConsole, isoDateOption, out, scopeList, valueOf } from './common.js';

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

function stateOf(json: ResourceAccessTokenJson): string {
  if (json.revoked) return 'revoked';
  return json.expired ? 'expired' : 'active';
}

/**
 * `tollgate group-tokens|project-tokens create|list|rotate|revoke` (docs/operator-guide.md): one
 * set of commands, registered once per kind, over the one resource access token service.
 */
export function registerResourceTokenCommands(program: Command, kind: ResourceKind): void {
  // Errors are one line on stderr, usage mistakes included; --help shows the usage.
  const tokens = program.command(`${kind}-tokens`).description(`${kind === 'group' ? 'Group' : 'Project'} access tokens`).showHelpAfterError(false);
  // `--group <id|full/path>` / `--project <id|full/path>`; commander names the value after the flag.
  const resourceOption = `--${kind} <id|full/path>`;
  const resourceOf = (options: Record<string, unknown>) => ({ kind, ref: options[kind] as string });

  tokens
    .command('create')
    .description(`Create a ${kind} access token (and its bot user); prints only the token`)
    .requiredOption(resourceOption, `the ${kind}`)
    .requiredOption('--name <name>', 'name of the token and of its bot user')
    .requiredOption('--scopes <a,b>', 'comma-separated scopes', scopeList)
    .option('--access-level <N>', `role: ${ASSIGNABLE_ACCESS_LEVELS.join(', ')} (default 40, Maintainer)`, accessLevelOption)
    .option('--expires-at <YYYY-MM-DD>', 'expiry date (default: the maximum lifetime)', isoDateOption)
    .option('--description <text>')
    .option(...ALLOWED_CIDRS_OPTION, scopeList)
    .action(async (options: { name: string; scopes: string[]; accessLevel?: number; expiresAt?: string; description?: string; allowedCidrs?: string[] }) =>
      asConsole(async (ctx, caller) => {
        const issued = valueOf(
          await createResourceAccessToken(ctx, caller, resourceOf(options), {
            name: options.name,
            scopes: options.scopes,
            accessLevel: options.accessLevel,
            expiresAt: options.expiresAt,
            description: options.description,
            allowedCidrs: options.allowedCidrs,
          }),
          'api',
        );
        out(issued.plaintext);
      }),
    );

  tokens
    .command('list')
    .description(`List a ${kind}'s access tokens (active and inactive); --json prints the API's JSON`)
    .requiredOption(resourceOption, `the ${kind}`)
    .option('--state <active|inactive>', 'only active or only inactive tokens', stateOption)
    .option('--json', 'print the tokens as the API returns them', false)
    .action(async (options: { state?: 'active' | 'inactive'; json: boolean }) =>
      asConsole(async (ctx, caller) => {
        const all: ResourceAccessToken[] = [];
        for (let page = 1; ; page += 1) {
          const { tokens: rows, total } = valueOf(await listResourceAccessTokens(ctx, caller, resourceOf(options), { state: options.state }, { page, perPage: LIST_PAGE_SIZE }), 'api');
          all.push(...rows);
          if (rows.length === 0 || all.length >= total) break;
        }
        const now = ctx.clock.now();
        // The API's own presenter: `list --json` prints exactly what GET /…/:id/access_tokens answers.
        const shown = all.map((token) => toResourceAccessTokenJson(token, now));
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
    .description(`Revoke a ${kind} access token and create its successor; prints only the new token`)
    .requiredOption(resourceOption, `the ${kind}`)
    .requiredOption('--token-id <id>', 'the token to rotate')
    .option('--expires-at <YYYY-MM-DD>', 'expiry of the new token (default: one week from today)', isoDateOption)
    .option('--grace-period-seconds <N>', 'the old token keeps working N seconds, 0–86400 (default 0: revoked at once)')
    .action(async (options: { tokenId: string; expiresAt?: string; gracePeriodSeconds?: string }) =>
      asConsole(async (ctx, caller) => {
        const grace = valueOf(parseGracePeriodSeconds(options.gracePeriodSeconds), 'api');
        const issued = valueOf(await rotateResourceAccessToken(ctx, caller, resourceOf(options), options.tokenId, options.expiresAt, grace), 'api');
        out(issued.plaintext);
      }),
    );

  tokens
    .command('revoke')
    .description(`Revoke a ${kind} access token (its bot user is kept until the retention job removes it)`)
    .requiredOption(resourceOption, `the ${kind}`)
    .requiredOption('--token-id <id>', 'the token to revoke')
    .action(async (options: { tokenId: string }) =>
      asConsole(async (ctx, caller) => {
        valueOf(await revokeResourceAccessToken(ctx, caller, resourceOf(options), options.tokenId), 'api');
      }),
    );
}
