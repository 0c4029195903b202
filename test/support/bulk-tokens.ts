import { randomBytes } from 'node:crypto';
import { externalHost } from '../../src/config.js';
import { AccessLevel } from '../../src/domain/access-levels.js';
import { botEmail, botUsername } from '../../src/domain/bot-users.js';
import type { ServiceContext } from '../../src/services/context.js';
import { newTokenRow } from '../../src/services/token-issuance.js';
import type { GroupRow, ProjectRow } from '../../src/store/schema.js';

export interface BulkTokens {
  count: number;
  /** The token's (and its bot's) name; `token-000000`, `token-000001`, … (one order in every collation) by default. */
  nameOf?: (n: number) => string;
  /** Its expiry date; 2027-01-01 by default. */
  expiresAtOf?: (n: number) => string;
  /** Its digest; a random one (a token nobody holds) by default. */
  digestOf?: (botId: number) => string;
  /** Who added the bots to the resource (members.created_by_id). */
  createdById?: number | null;
}

const BATCH = 500;
/** Every tenth token is revoked, so that `state=active` has something to leave out. */
const REVOKED_EVERY = 10;

/**
 * `count` tokens of a group or project, each of its own bot user that is a direct member at
 * Maintainer, in the rows creating resource access tokens writes (`newTokenRow`), inserted with SQL in batches of
 * one transaction: through the API a list at GitLab's scale would take minutes. For tests of lists
 * at scale and for the benchmark's stored tokens.
 */
export async function insertResourceTokensInBulk(ctx: ServiceContext, resource: GroupRow | ProjectRow, bulk: BulkTokens): Promise<void> {
  const project = 'group_id' in resource ? resource : null;
  const now = new Date().toISOString();
  const host = externalHost(ctx.config);
  const nameOf = bulk.nameOf ?? ((n: number) => `token-${String(n).padStart(6, '0')}`);
  await ctx.database.db.transaction().execute(async (trx) => {
    for (let from = 0; from < bulk.count; from += BATCH) {
      const numbers = Array.from({ length: Math.min(BATCH, bulk.count - from) }, (_, i) => from + i);
      const bots = await trx
        .insertInto('users')
        .values(
          numbers.map((n) => {
            const username = botUsername(resource.id, randomBytes(16).toString('hex'), 0, project ? 'project' : 'group');
            return {
              username,
              email: botEmail(username, host),
              name: nameOf(n),
              state: 'active' as const,
              is_admin: 0 as const,
              external: 0 as const,
              user_type: 'project_bot' as const,
              bot_namespace_id: project ? null : resource.id,
              bot_project_id: project ? resource.id : null,
              password_digest: null,
              created_at: now,
              updated_at: now,
            };
          }),
        )
        .returning(['id', 'name'])
        .execute();
      await trx
        .insertInto('members')
        .values(
          bots.map((bot) => ({
            user_id: bot.id,
            source_type: project ? ('project' as const) : ('group' as const),
            source_id: resource.id,
            access_level: AccessLevel.MAINTAINER,
            expires_at: null,
            created_by_id: bulk.createdById ?? null,
            bot: 1 as const,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await trx
        .insertInto('personal_access_tokens')
        .values(
          bots.map((bot, i) => {
            const n = numbers[i]!;
            const revoked = n % REVOKED_EVERY === REVOKED_EVERY - 1;
            const attributes = { name: bot.name, description: null, scopes: ['read_api'], expiresAt: bulk.expiresAtOf ? bulk.expiresAtOf(n) : '2027-01-01', groupId: project ? project.group_id : resource.id, previousId: null };
            const row = newTokenRow(bot.id, attributes, bulk.digestOf ? bulk.digestOf(bot.id) : randomBytes(32).toString('hex'), now);
            return revoked ? { ...row, revoked: 1 as const, revoked_at: now } : row;
          }),
        )
        .execute();
    }
  });
  // As after any bulk load, PostgreSQL is told what the tables now hold (autovacuum would, within
  // a minute): planned from tables it takes for nearly empty, a list of 12,000 tokens joined them
  // member by member and took seconds (docs/performance.md). SQLite keeps no statistics.
  if (ctx.database.pool) await ctx.database.pool.query('analyze users, members, personal_access_tokens');
}
